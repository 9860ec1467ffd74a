// Tabs over a side list: buttons [data-tab] in a tablist, one panel per tab (panel-<name>).

/** Wire the tabs; returns show(name) for the page to switch tabs itself (e.g. on a map click). */
export function setupTabs(tablist) {
  const buttons = [...tablist.querySelectorAll("[data-tab]")];
  const show = (name) => {
    for (const button of buttons) {
      button.setAttribute("aria-selected", String(button.dataset.tab === name));
      document.getElementById(`panel-${button.dataset.tab}`).hidden = button.dataset.tab !== name;
    }
  };
  buttons.forEach((button) => button.addEventListener("click", () => show(button.dataset.tab)));
  return show;
}

/** The count beside a tab's name. */
export function setCount(name, n) {
  document.getElementById(`count-${name}`).textContent = String(n);
}
