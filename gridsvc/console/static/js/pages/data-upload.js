// The upload form: a file (drag and drop or picker), level / layer / CRS pickers, the field
// pickers filled from the file's own columns, then the upload (202) polled to its report, and
// publishing a validated upload (200/201 at once, or 202 with a job to poll).

import { api } from "../api.js";
import { el, toast, toastError } from "../ui.js";
import { readColumns } from "./data-columns.js";
import { LAYER_NAMES, layerName } from "./data-generations.js";
import { pollUntil } from "./data-poll.js";

const $ = (id) => document.getElementById(id);
const UPLOAD_STATUS = {
  queued: "排队等待处理",
  processing: "正在读取和校验",
  validated: "校验通过，可以发布",
  invalid: "校验未通过：请按下方问题修正文件后重新上传",
  failed: "处理失败",
  published: "已发布",
};
const FINISHED = new Set(["validated", "invalid", "failed", "published"]);
const PICKERS = [
  ["code-field", "code"],
  ["name-field", "name"],
  ["parent-field", "parent_code"],
];

export class UploadForm {
  /** `report`: a ReportView; `onPublished(generation)`: after a publish. */
  constructor(report, onPublished) {
    this.report = report;
    this.onPublished = onPublished;
    this.file = null;
    this.upload = null;
    this.fillLayers([]);
    $("level").addEventListener("change", () => this.fillLayers(this.knownLayers));
    $("crs").addEventListener("change", () => this.file && this.inspect());
    $("layer-name").addEventListener("change", () => this.file && this.inspect());
    $("file-input").addEventListener("change", (e) => e.target.files[0] && this.choose(e.target.files[0]));
    const zone = $("drop-zone");
    zone.addEventListener("dragover", (e) => {
      e.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer.files[0]) this.choose(e.dataTransfer.files[0]);
    });
    $("upload-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    $("publish").addEventListener("click", () => this.publish());
  }

  /** Layer choices: the usual ones plus those the county's generations already have. */
  fillLayers(known = []) {
    this.knownLayers = known;
    const grid = $("level").value === "grid";
    const names = [...new Set([...Object.keys(LAYER_NAMES), ...known])];
    $("layer").replaceChildren(...(grid ? names.map((n) => el("option", { value: n }, layerName(n))) : [el("option", { value: "" }, "（仅网格分图层）")]));
    $("layer").disabled = !grid;
  }

  async choose(file) {
    this.file = file;
    $("layer-name").replaceChildren();
    $("layer-name-field").hidden = true;
    await this.inspect();
  }

  /** Read the file's columns and fill the pickers; an unreadable file says why in Chinese. */
  async inspect() {
    const info = $("file-info");
    info.className = "file-info";
    info.textContent = `正在读取 ${this.file.name} 的字段…`;
    $("upload-submit").disabled = true;
    let columns;
    try {
      columns = await readColumns(this.file, { crs: $("crs").value, layer_name: $("layer-name").value });
    } catch (error) {
      info.className = "file-info error";
      info.textContent = `${this.file.name}：${error.detail || error.message}`;
      const names = error.problem?.names;
      if (error.code === "upload.layer_required" && Array.isArray(names)) this.offerLayers(names);
      return;
    }
    info.textContent = `${this.file.name} · ${columns.format.toUpperCase()} · ${columns.features} 个要素 · 坐标系 ${columns.crs}`;
    for (const [id, role] of PICKERS) {
      const options = [el("option", { value: "" }, "自动识别")];
      for (const column of columns.columns) {
        const sample = column.samples.length ? `（如 ${column.samples[0]}）` : "";
        options.push(el("option", { value: column.name }, `${column.name}${sample}`));
      }
      $(id).replaceChildren(...options);
      $(id).value = columns.detected?.[role] || "";
    }
    $("upload-submit").disabled = false;
  }

  offerLayers(names) {
    $("layer-name").replaceChildren(el("option", { value: "" }, "请选择"), ...names.map((n) => el("option", { value: n }, n)));
    $("layer-name-field").hidden = false;
  }

  async send() {
    const form = new FormData();
    form.append("file", this.file, this.file.name);
    form.append("level", $("level").value);
    const values = {
      layer: $("level").value === "grid" ? $("layer").value : "",
      crs: $("crs").value,
      layer_name: $("layer-name").value,
      code_field: $("code-field").value,
      name_field: $("name-field").value,
      parent_field: $("parent-field").value,
    };
    for (const [key, value] of Object.entries(values)) if (value) form.append(key, value);
    if ($("repair").checked) form.append("repair", "true");
    $("upload-submit").disabled = true;
    $("publish-box").hidden = true;
    this.report.clear();
    this.progress("queued", 0);
    try {
      const { data, response } = await api("boundary-uploads", { method: "POST", form, full: true });
      const location = response.headers.get("Location") || `boundary-uploads/${data.id}`;
      this.upload = await pollUntil(location, (u) => FINISHED.has(u.status), {
        onStep: (u) => this.progress(u.status, u.progress),
      });
      await this.finished(this.upload);
    } catch (error) {
      this.progress("failed", 1, error.detail || error.message);
      toastError(error);
    } finally {
      $("upload-submit").disabled = false;
    }
  }

  progress(status, value, why = "") {
    const text = `${UPLOAD_STATUS[status] || status}${why ? `：${why}` : ""}`;
    $("upload-status").replaceChildren(
      el("div", { id: "upload-state", dataset: { status } }, text),
      status === "failed" ? null : el("progress", { max: 1, value: value ?? 0 }),
    );
  }

  async finished(upload) {
    if (upload.status === "failed") {
      this.progress("failed", 1, upload.error?.detail || "");
      return;
    }
    await this.report.show(upload);
    $("publish-box").hidden = upload.status !== "validated";
  }

  /** Publish the validated upload: 200/201 is the generation; 202 is a job to poll. */
  async publish() {
    const button = $("publish");
    button.disabled = true;
    $("publish-status").textContent = "正在发布…";
    try {
      const description = $("publish-description").value.trim();
      const { data, response } = await api(`boundary-uploads/${this.upload.id}/publish`, {
        method: "POST",
        json: description ? { description } : {},
        full: true,
      });
      let generation = data;
      if (response.status === 202) {
        const job = await pollUntil(response.headers.get("Location") || `generation-publishes/${data.id}`, (j) => ["done", "failed"].includes(j.status), {
          onStep: (j) => ($("publish-status").textContent = j.status === "running" ? "正在发布…" : "排队等待发布…"),
        });
        if (job.status === "failed") throw new Error(job.error?.detail || "发布失败");
        generation = job.generation;
      }
      $("publish-status").textContent = `已发布为第 ${generation.number} 版`;
      $("publish-box").hidden = true;
      this.progress("published", 1);
      toast(`已发布为第 ${generation.number} 版`, "ok");
      await this.onPublished(generation);
    } catch (error) {
      $("publish-status").textContent = error.detail || error.message;
      toastError(error);
    } finally {
      button.disabled = false;
    }
  }
}
