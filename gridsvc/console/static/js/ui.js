// A small UI kit: elements, toasts for errors and successes, loading and empty states.

/** el("button", {class: "primary", onclick: f}, "受理") — attributes, then children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A message at the bottom right; kind "error" stays longer. Returns the element. */
export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const item = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
  return item;
}

/** Show an ApiError's Chinese detail (or any error) as an error toast. */
export function toastError(error) {
  return toast(error?.detail || error?.message || "操作失败", "error");
}

export function showLoading(container, text = "加载中…") {
  container.replaceChildren(el("div", { class: "state loading" }, text));
}

export function showEmpty(container, text = "暂无数据") {
  container.replaceChildren(el("div", { class: "state empty" }, text));
}

export function showError(container, error) {
  container.replaceChildren(el("div", { class: "state error", role: "alert" }, error?.detail || error?.message || "加载失败"));
}
