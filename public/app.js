"use strict";
// PruneLab web page: submit a sweep, follow jobs live (Server-Sent Events, polling when they
// are unavailable), look at a job's charts and results. Plain DOM, no dependencies.

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
// The charts the page draws itself (charts.js) from results.csv are offered as the server's SVG
// files among the downloads; the others the page shows as the server draws them.
const CHARTS = [["sensitivity.svg", "Sensitivity per layer"], ["layers.svg", "Sparsity per layer"], ["weights.svg", "Weights"]];
const DOWNLOADS = [["results.csv", "results.csv"], ["summary.csv", "summary.csv"], ["model.safetensors", "model.safetensors (trained weights)"],
  ["accuracy.svg", "accuracy.svg"], ["accuracy-compression.svg", "accuracy-compression.svg"], ["loss.svg", "loss.svg"], ["latency.svg", "latency.svg"]];
const PAGE_SIZE = 25;             // jobs per page of the table
const NAME_SCAN = 1000;           // jobs one page scans when filtering by name (the API's largest page)
const MAX_STREAMS = 3;            // browsers allow ~6 connections per host; leave room for fetches

const app = {
  jobs: new Map(),                // id -> job as GET /jobs/{id} shows it
  streams: new Map(),             // id -> EventSource
  selected: null,
  polling: false,
  sseErrors: 0,
  resultsKey: null,               // what the results table shows, to refetch only on change
  rows: [],                       // the selected job's results.csv rows
  xAxis: "sparsity",              // the job view's x axis: sparsity or compression
  pageIds: [],                    // the jobs the table shows, newest first
  page: { cursors: [null], index: 0, next: null, state: "", name: "" },
  compared: new Set(),            // ids ticked for comparison
};

const $ = (selector) => document.querySelector(selector);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
};

// ---------- the spec form ----------

/** A number where the text is one; the text itself otherwise, so the server names the bad field. */
function numberOrText(text) {
  const t = text.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}
const listOf = (text) => text.split(/[,\s]+/).filter((t) => t !== "").map(numberOrText);

// The form follows the spec schema: /openapi.json's x-spec-fields gives every field's pointer,
// type, default, limits and meaning. Each control names its field with data-pointer.
app.fields = [];

function applySchema(form, fields) {
  app.fields = fields;
  for (const field of fields) {
    const control = form.querySelector(`[data-pointer="${field.pointer}"]`);
    if (!control) continue;
    const label = control.closest("label") || control;
    label.title = field.description + limitsText(field);
    if (control.matches("div") && field.items && field.items.enum) {
      // A list of choices: one checkbox per allowed value, the defaults checked.
      const boxes = field.items.enum.map((value) => el("label", { class: "check" },
        el("input", Object.assign({ type: "checkbox", name: field.pointer, value }, field.default.includes(value) ? { checked: "" } : {})),
        ` ${value}`));
      control.replaceChildren(el("span", { class: "label" }, control.dataset.label || "Choose"), ...boxes);
    } else if (control.matches("select") && field.enum) {
      for (const value of field.enum) {
        if (value !== null && ![...control.options].some((o) => o.value === value)) control.add(new Option(value, value));
      }
      if (field.default != null) { control.value = field.default; for (const o of control.options) o.defaultSelected = o.value === field.default; }
    } else if (control.type === "checkbox") {
      control.defaultChecked = control.checked = field.default === true;
    } else if (field.default == null) {
      control.placeholder = control.placeholder || "none";
    } else {
      control.defaultValue = control.value = Array.isArray(field.default) ? field.default.join(", ") : String(field.default);
    }
  }
}

/** Sets every control from a spec document (a preset's), fields it leaves out to their defaults. */
function fillForm(form, document) {
  for (const field of app.fields) {
    const control = form.querySelector(`[data-pointer="${field.pointer}"]`);
    if (!control) continue;
    let value = document;
    for (const key of field.pointer.split("/").slice(1)) value = value == null ? undefined : value[key];
    if (value === undefined) value = field.default;
    if (control.matches("div")) {
      for (const box of control.querySelectorAll("input")) box.checked = (value || []).includes(box.value);
    } else if (control.type === "checkbox") control.checked = value === true;
    else control.value = value == null ? "" : Array.isArray(value) ? value.join(", ") : String(value);
  }
  showDatasetFields(form);
}

// ---------- the cost estimate, as the form changes (POST /jobs?dry_run=true) ----------

function formatBytes(bytes) {
  for (const [scale, unit] of [[1e12, "TB"], [1e9, "GB"], [1e6, "MB"], [1e3, "kB"]]) {
    if (bytes >= scale) return `${(bytes / scale).toPrecision(3)} ${unit}`;
  }
  return `${bytes} B`;
}

let estimateTimer = null, estimateSerial = 0;
function scheduleEstimate(form) {
  clearTimeout(estimateTimer);
  estimateTimer = setTimeout(() => showEstimate(form), 300);
}

async function showEstimate(form) {
  const serial = ++estimateSerial, out = $("#estimate");
  try {
    const response = await fetch("jobs?dry_run=true", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(readSpec(form)),
    });
    const body = await response.json();
    if (serial !== estimateSerial) return;  // a newer change answered first
    if (response.status !== 200) {
      out.className = "estimate bad";
      out.textContent = (body.errors || []).map((e) => `${e.pointer}: ${e.detail}`).join("; ") || body.detail;
      return;
    }
    const e = body.estimate;
    const cost = e ? `peak memory ${formatBytes(e.peak_memory_bytes)}, about ${formatDuration(e.seconds)}` : "";
    out.className = body.admissible ? "estimate" : "estimate bad";
    out.textContent = body.admissible ? cost : `${[...new Set(body.problems.map((p) => p.detail))].join("; ")}`;
    showQueueEta(body.admissible ? e : null);   // jobview.js: when it would start and finish
  } catch (error) {
    if (serial === estimateSerial) out.textContent = "";
  }
}

async function loadPresets(form) {
  const select = form.elements.preset;
  const { presets } = await (await fetch("presets")).json();
  for (const preset of presets) {
    const option = new Option(preset.name, preset.name);
    option.title = `${preset.summary}. Reproduces: ${preset.reproduces}`;
    select.add(option);
  }
  select.addEventListener("change", () => {
    const preset = presets.find((p) => p.name === select.value);
    if (preset) fillForm(form, preset.spec);
    scheduleEstimate(form);
    $("#preset-note").textContent = preset ? `${preset.summary}. Reproduces ${preset.reproduces}.` : "";
  });
}

function limitsText(field) {
  const low = field.minimum ?? field.exclusiveMinimum, high = field.maximum ?? field.exclusiveMaximum;
  if (field.items && field.items.enum) return "";
  if (low !== undefined && high !== undefined) return ` (${low} to ${high}${field.exclusiveMaximum !== undefined ? ", excluded" : ""})`;
  if (field.items && field.items.maximum !== undefined) return ` (each ${field.items.minimum ?? field.items.exclusiveMinimum} to ${field.items.maximum ?? field.items.exclusiveMaximum})`;
  return "";
}

/** The spec as the form shows it: every visible control, read as its field's type. */
function readSpec(form) {
  const spec = {};
  for (const field of app.fields) {
    const control = form.querySelector(`[data-pointer="${field.pointer}"]`);
    if (!control || control.closest("[hidden]")) continue;
    let value;
    const types = [].concat(field.type || []);
    if (types.includes("boolean")) value = control.checked;
    else if (types.includes("array") && field.items && field.items.enum) {
      value = [...control.querySelectorAll("input:checked")].map((box) => box.value);
    } else if (types.includes("array")) value = listOf(control.value);
    else if (types.includes("integer") || types.includes("number") || field.anyOf) value = numberOrText(control.value);
    else value = control.value;
    // An empty optional field (a path, layer names) is left out rather than sent empty.
    if (field.default === undefined && (value === "" || (Array.isArray(value) && value.length === 0))) continue;
    if (value === undefined) continue;
    const keys = field.pointer.split("/").slice(1);
    let node = spec;
    for (const key of keys.slice(0, -1)) node = node[key] = node[key] || {};
    node[keys[keys.length - 1]] = value;
  }
  return spec;
}

function showDatasetFields(form) {
  const dataset = form.elements.dataset.value, optimizer = form.elements.optimizer.value;
  for (const label of form.querySelectorAll("[data-show]")) label.hidden = !label.dataset.show.split(" ").includes(dataset);
  for (const label of form.querySelectorAll("[data-show-optimizer]")) label.hidden = label.dataset.showOptimizer !== optimizer;
  // Imported weights bring their own layers and are already trained: epochs default to 0.
  const imported = form.elements.weights.value.trim() !== "" || form.elements.model_uploaded.value !== "";
  for (const label of form.querySelectorAll("[data-show-imported]")) label.hidden = (label.dataset.showImported === "yes") !== imported;
  const epochs = form.elements.epochs;
  if (imported && epochs.value === epochs.defaultValue) { epochs.value = "0"; epochs.dataset.auto = "1"; }
  if (!imported && epochs.dataset.auto && epochs.value === "0") { epochs.value = epochs.defaultValue; delete epochs.dataset.auto; }
  const schedule = form.elements.schedule.value;
  for (const label of form.querySelectorAll("[data-show-schedule]")) label.hidden = label.dataset.showSchedule !== schedule;
}

function clearErrors(form) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll(".invalid")) node.classList.remove("invalid");
  const banner = $("#form-error");
  banner.hidden = true;
  banner.className = "form-error";
}

function showBanner(text, ok = false) {
  const banner = $("#form-error");
  banner.textContent = text;
  banner.className = ok ? "form-error ok" : "form-error";
  banner.hidden = false;
}

/** Puts each `{pointer, detail}` next to the field whose pointer is its longest prefix. */
function showFieldErrors(form, errors) {
  const fields = [...form.querySelectorAll("[data-pointer]")];
  const unplaced = [];
  for (const { pointer, detail } of errors) {
    const match = fields
      .filter((f) => !f.closest("[hidden]") && (pointer === f.dataset.pointer || pointer.startsWith(f.dataset.pointer + "/")))
      .sort((a, b) => b.dataset.pointer.length - a.dataset.pointer.length)[0];
    if (!match) { unplaced.push(`${pointer || "/"}: ${detail}`); continue; }
    const holder = match.closest("label, .methods") || match;
    holder.classList.add("invalid");
    const rest = pointer.slice(match.dataset.pointer.length + 1);
    const suffix = rest === "" ? "" : /^\d+$/.test(rest) ? ` (value ${Number(rest) + 1})` : ` (${rest})`;
    holder.append(el("div", { class: "field-error" }, detail + suffix));
  }
  if (unplaced.length) showBanner(unplaced.join("\n"));
}

function authHeaders() {
  const token = localStorage.getItem("prunelab-token");
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function submitSpec(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  localStorage.setItem("prunelab-token", form.elements.token.value);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const response = await fetch("jobs", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID?.() ?? String(Math.random()).slice(2), ...authHeaders() },
      body: JSON.stringify(readSpec(form)),
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      showBanner(`Queued job ${body.id.slice(0, 8)}.`, true);
      app.jobs.set(body.id, body);
      select(body.id);
      renderJobs();
      syncStreams();
    } else if (body.errors) {
      showFieldErrors(form, body.errors);
    } else {
      showBanner(`${body.title || response.status}: ${body.detail || response.statusText}`);
      if (response.status === 401) form.elements.token.focus();
    }
  } catch (error) {
    showBanner(`The server did not answer: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

// ---------- uploads: POST /models, POST /datasets, and the selects that name them ----------

/** One line about an upload: what the server found in it. */
function uploadSummary(upload) {
  const size = formatBytes(upload.bytes);
  if (upload.model) return `${upload.id}: layers ${upload.model.layer_sizes.join("-")}${upload.model.bias ? " with biases" : ""}, ${size}`;
  const d = upload.dataset || {};
  const what = d.arrays ? d.arrays.map((a) => `${a.name} ${a.dtype}[${a.shape.join("×")}]`).join(", ")
    : `${(d.columns || []).length} columns (labels in "${d.label_column}")`;
  return `${upload.id}: ${upload.format}, ${d.samples} samples of ${d.features} features, ${d.classes} classes; ${what}; ${size}`;
}

/** Fills each upload select from GET /models and GET /datasets, keeping what was chosen. */
async function loadUploads(form) {
  for (const kind of ["models", "datasets"]) {
    let uploads = [];
    try {
      const response = await fetch(kind);
      if (response.ok) uploads = (await response.json()).uploads || [];
    } catch (_) { continue; }
    for (const select of form.querySelectorAll(`select[data-uploads="${kind}"]`)) {
      const chosen = select.value;
      const fitting = uploads.filter((u) => !select.dataset.format || u.format === select.dataset.format);
      select.replaceChildren(select.options[0],
        ...fitting.map((u) => new Option(uploadSummary(u).slice(0, 120), u.id)));
      select.value = fitting.some((u) => u.id === chosen) ? chosen : "";
    }
  }
}

/** Sends the chosen file as the request body, shows what the server found (or why it refused
 *  it) next to the control, and names the upload in the spec's field. */
async function uploadFile(form, input) {
  const file = input.files[0];
  if (!file) return;
  const status = input.parentElement.querySelector(".upload-status");
  status.classList.remove("error");
  status.textContent = `uploading ${file.name} (${formatBytes(file.size)})…`;
  let url = input.dataset.upload;
  if (url === "datasets" && /\.csv$/i.test(file.name)) url += `?label_column=${encodeURIComponent(form.elements.label_column.value || "label")}`;
  try {
    localStorage.setItem("prunelab-token", form.elements.token.value);
    const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/octet-stream", ...authHeaders() }, body: file });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = `${body.title || response.status}: ${body.detail || response.statusText}`;
      status.classList.add("error");
      return;
    }
    status.textContent = uploadSummary(body);
    await loadUploads(form);
    if (body.kind === "model") {
      form.elements.model_uploaded.value = body.id;
      form.elements.weights.value = "";
    } else if (body.format === "npz") {
      form.elements.dataset.value = "npz";
      form.elements.dataset_uploaded.value = body.id;
      form.elements.path.value = "";
    } else {
      form.elements.dataset.value = "csv";
      const target = form.elements.train_uploaded.value ? form.elements.test_uploaded : form.elements.train_uploaded;
      target.value = body.id;
      (target === form.elements.train_uploaded ? form.elements.train : form.elements.test).value = "";
    }
    showDatasetFields(form);
    scheduleEstimate(form);
  } catch (error) {
    status.textContent = `The server did not answer: ${error.message}`;
    status.classList.add("error");
  } finally {
    input.value = "";
  }
}

// ---------- the jobs table ----------

function formatDuration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function formatWhen(iso) {
  if (!iso) return "–";
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  const date = new Date(iso);
  return seconds < 86400 ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : date.toLocaleString();
}

/** "training · epoch 2/5 · step 300/938", "evaluating · weight 90% · 12/20", ... */
function describeProgress(job) {
  if (job.state === "queued") return "waiting for a worker";
  if (job.state === "succeeded") return `done in ${formatDuration((Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000)}`;
  if (job.state === "failed") return job.error || "failed";
  if (job.state === "cancelled") return "cancelled";
  if (!job.phase) return "starting";
  const parts = [job.cancel_requested ? "stopping" : job.phase];
  if (job.epoch != null && (job.phase === "training" || job.phase === "fine-tuning")) parts.push(`epoch ${job.epoch}/${job.epochs}`);
  if (job.step != null && job.phase === "training") parts.push(`step ${job.step}/${job.steps_per_epoch}`);
  if (job.method && job.phase !== "training") parts.push(`${job.method} ${job.sparsity}%`);
  if (job.level != null && job.phase !== "training") parts.push(`point ${job.level}/${job.levels}`);
  if (job.samples_per_second && job.phase === "training") parts.push(`${Math.round(job.samples_per_second).toLocaleString()} samples/s`);
  // Work units: how many workers hold one now, out of how many left.
  const u = job.units;
  if (u && u.total > 1) parts.push(`units ${u.done}/${u.total} done` + (u.running > 1 ? `, ${u.running} running` : ""));
  return parts.join(" · ");
}

function jobRow(job) {
  const percent = Math.round(job.progress * 1000) / 10;
  const cancel = FINISHED.has(job.state) ? "" :
    el("button", { type: "button", class: "danger", title: "Cancel this job (its results so far stay)", onclick: () => cancelJob(job.id) },
       job.cancel_requested ? "Stopping…" : "Cancel");
  if (job.cancel_requested && cancel) cancel.disabled = true;
  const remove = el("button", { type: "button", class: "secondary small", title: "Delete this job, its record and its files",
                                onclick: () => deleteJob(job) }, "Delete");
  const rerun = el("button", { type: "button", class: "secondary small", title: "Submit the same spec again, with a seed of your choice",
                               onclick: () => openRerun(job) }, "Re-run");
  const curl = el("button", { type: "button", class: "secondary small", title: "The curl command that submits this spec",
                              onclick: () => openCurl(job) }, "curl");
  const tick = el("input", { type: "checkbox", class: "compare-box", "aria-label": `Compare ${job.spec.name} (${job.id.slice(0, 8)})` });
  tick.checked = app.compared.has(job.id);
  tick.addEventListener("change", () => toggleCompared(job.id, tick.checked));
  // The name is a real button, so that the keyboard reaches the job view too.
  const open = el("button", { type: "button", class: "link job-name", title: "Show this job's charts and results", onclick: () => select(job.id) }, job.spec.name);
  const row = el("tr", { "data-id": job.id, onclick: (e) => { if (!e.target.closest("button, input, a")) select(job.id); } },
    el("td", { class: "pick" }, tick),
    el("td", { "data-label": "Job" }, open, el("div", { class: "job-id" }, job.id.slice(0, 8))),
    el("td", { "data-label": "State" }, el("span", { class: `badge ${job.state}` }, job.state)),
    el("td", { "data-label": "Progress" },
      el("div", { class: `bar ${job.state}` }, el("span", { style: `width:${percent}%` })),
      el("div", { class: "bar-text" }, `${percent}% · ${describeProgress(job)}`)),
    el("td", { "data-label": "ETA" }, job.state === "running" ? formatDuration(job.eta_seconds) : "–"),
    el("td", { "data-label": "Submitted", title: job.created_at }, formatWhen(job.created_at)),
    el("td", { class: "actions" }, cancel, rerun, curl, remove));
  if (job.id === app.selected) row.classList.add("selected");
  return row;
}

/** What a row shows; a row whose key is unchanged is kept, so that focus and hover stay on it. */
function rowKey(job) {
  return JSON.stringify([job.state, job.phase, job.progress, job.epoch, job.step, job.level, job.method, job.sparsity,
    job.cancel_requested, job.error, job.units && [job.units.done, job.units.running], Math.round(job.eta_seconds ?? -1), formatWhen(job.created_at), job.spec.name,
    job.id === app.selected, app.compared.has(job.id)]);
}

/** Makes the table's rows those of `jobs`, rebuilding only the rows that changed. */
function patchRows(body, jobs) {
  const existing = new Map([...body.querySelectorAll("tr[data-id]")].map((row) => [row.dataset.id, row]));
  for (const row of body.querySelectorAll("tr:not([data-id])")) row.remove();
  jobs.forEach((job, index) => {
    const key = rowKey(job);
    let row = existing.get(job.id);
    if (!row || row.dataset.key !== key) {
      const fresh = jobRow(job);
      fresh.dataset.key = key;
      const focused = row && row.contains(document.activeElement) ? document.activeElement.textContent : null;
      if (row) row.replaceWith(fresh);
      row = fresh;
      // A rebuilt row gives focus back to the control that had it (same label).
      if (focused) [...row.querySelectorAll("button, input")].find((c) => c.textContent === focused)?.focus();
    }
    existing.delete(job.id);
    if (body.children[index] !== row) body.insertBefore(row, body.children[index] || null);
  });
  for (const row of existing.values()) row.remove();
}

function renderJobs() {
  const jobs = app.pageIds.filter((id) => app.jobs.has(id)).map((id) => app.jobs.get(id));
  const body = $("#job-rows");
  const empty = app.page.state || app.page.name ? "No jobs match." : "No jobs yet.";
  if (!jobs.length) body.replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: 7 }, empty)));
  else patchRows(body, jobs);
  const page = app.page;
  $("#page-newer").disabled = page.index === 0;
  $("#page-older").disabled = !page.next;
  $("#page-text").textContent = jobs.length ? `page ${page.index + 1}${page.name ? ` · ${jobs.length} matching in ${NAME_SCAN} scanned` : ""}` : "";
  renderCompareBar();
}

async function cancelJob(id) {
  const response = await fetch(`jobs/${id}/cancel`, { method: "POST", headers: authHeaders() });
  const body = await response.json().catch(() => ({}));
  if (response.ok) update(body);
  else alert(`${body.title || response.status}: ${body.detail || ""}`);
}

/** DELETE removes the job and every file of it (cancelling it first), after a confirmation. */
async function deleteJob(job) {
  const running = FINISHED.has(job.state) ? "" : ` It is ${job.state} and will be cancelled first.`;
  if (!confirm(`Delete job "${job.spec.name}" (${job.id.slice(0, 8)}) with its results and charts?${running} This cannot be undone.`)) return;
  const response = await fetch(`jobs/${job.id}`, { method: "DELETE", headers: authHeaders() });
  if (response.status === 204 || response.status === 404) {
    const stream = app.streams.get(job.id);
    if (stream) { stream.close(); app.streams.delete(job.id); }
    app.jobs.delete(job.id);
    if (app.selected === job.id) { app.selected = null; $("#job-view").hidden = true; }
    if (app.compared.has(job.id)) toggleCompared(job.id, false);
    writeHash();
    renderJobs();
    return;
  }
  const body = await response.json().catch(() => ({}));
  alert(`${body.title || response.status}: ${body.detail || ""}`);
}

// ---------- live updates ----------

function setLive(text, on) {
  const badge = $("#live-status");
  badge.textContent = text;
  badge.classList.toggle("on", on);
}

function update(job) {
  const before = app.jobs.get(job.id);
  app.jobs.set(job.id, job);
  // A job submitted since the last list (this page's or another's) shows at once on the first page.
  const { index, state, name } = app.page;
  const newest = app.jobs.get(app.pageIds[0]);
  if (!app.pageIds.includes(job.id) && index === 0 && (!newest || job.created_at >= newest.created_at) && (!state || state === job.state) &&
      (!name || job.spec.name.toLowerCase().includes(name.trim().toLowerCase()))) app.pageIds.unshift(job.id);
  renderJobs();
  if (job.id === app.selected) renderJobView(job);
  // A compared job's charts follow its points as they are measured.
  if (app.compared.has(job.id) && (!before || before.level !== job.level || before.state !== job.state)) refreshComparison();
}

/** The jobs of the table's page (state filter on the server, name filter here), then the selected one. */
async function refreshList() {
  try {
    const { state, name, cursors, index } = app.page;
    const query = new URLSearchParams({ limit: String(name ? NAME_SCAN : PAGE_SIZE) });
    if (state) query.set("state", state);
    if (cursors[index]) query.set("cursor", cursors[index]);
    const response = await fetch(`jobs?${query}`);
    const { jobs, next } = await response.json();
    const needle = name.trim().toLowerCase();
    const shown = needle ? jobs.filter((job) => job.spec.name.toLowerCase().includes(needle) || job.id.startsWith(needle)) : jobs;
    for (const job of shown) app.jobs.set(job.id, job);
    app.pageIds = shown.map((job) => job.id);
    app.page.next = next;
    if (app.selected && !app.pageIds.includes(app.selected)) await refreshJob(app.selected);
    renderJobs();
    if (app.selected && app.jobs.has(app.selected)) renderJobView(app.jobs.get(app.selected));
    if (app.polling) setLive("live (polling)", true);
    syncStreams();
    refreshComparison();
  } catch {
    setLive("server unreachable", false);
  }
}

/** One job by id into app.jobs; false when the server no longer has it. */
async function refreshJob(id) {
  const response = await fetch(`jobs/${id}`);
  if (response.status === 404) { app.jobs.delete(id); return false; }
  if (response.ok) app.jobs.set(id, await response.json());
  return response.ok;
}

/** Filters and page buttons of the jobs table. */
function setUpJobsTable() {
  const state = $("#filter-state"), name = $("#filter-name");
  const restart = () => { app.page = { cursors: [null], index: 0, next: null, state: state.value, name: name.value }; refreshList(); };
  state.addEventListener("change", restart);
  let timer = null;
  name.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(restart, 250); });
  $("#page-older").addEventListener("click", () => {
    if (!app.page.next) return;
    app.page.cursors[app.page.index + 1] = app.page.next;
    app.page.index += 1;
    refreshList();
  });
  $("#compare-clear").addEventListener("click", clearComparison);
  $("#page-newer").addEventListener("click", () => { if (app.page.index > 0) { app.page.index -= 1; refreshList(); } });
}

/** Streams follow the running jobs and the selected one; the rest is refreshed by polling. */
function syncStreams() {
  if (app.polling || !window.EventSource) return;
  // The selected job first, then the compared ones, then the others running.
  const rank = (job) => (job.id === app.selected ? 0 : app.compared.has(job.id) ? 1 : 2);
  const wanted = [...app.jobs.values()]
    .filter((job) => !FINISHED.has(job.state) && (job.state === "running" || rank(job) < 2))
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, MAX_STREAMS).map((job) => job.id);
  for (const [id, stream] of app.streams) if (!wanted.includes(id)) { stream.close(); app.streams.delete(id); }
  for (const id of wanted) if (!app.streams.has(id)) openStream(id);
  setLive(app.streams.size ? "live" : "idle", true);
}

function openStream(id) {
  const stream = new EventSource(`jobs/${id}/events`);
  const onEvent = (event) => {
    const job = JSON.parse(event.data);
    update(job);
    if (FINISHED.has(job.state)) { stream.close(); app.streams.delete(id); syncStreams(); }
  };
  stream.addEventListener("progress", onEvent);
  stream.addEventListener("state", onEvent);
  stream.onopen = () => { app.sseErrors = 0; };
  stream.onerror = () => {
    if (++app.sseErrors > 5) startPolling();   // a proxy that buffers or drops event streams
  };
  app.streams.set(id, stream);
}

function startPolling() {
  if (app.polling) return;
  app.polling = true;
  for (const stream of app.streams.values()) stream.close();
  app.streams.clear();
  setLive("live (polling)", true);
}

// ---------- the job view ----------

/** The URL's hash says what is shown: `#compare=ID1,ID2` and/or `job=ID`, so a reload shows it again. */
function writeHash() {
  const parts = [];
  if (app.compared.size) parts.push(`compare=${[...app.compared].join(",")}`);
  if (app.selected) parts.push(`job=${app.selected}`);
  const hash = parts.length ? `#${parts.join("&")}` : "";
  if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname + location.search);
}

function readHash() {
  const fields = new URLSearchParams(location.hash.slice(1));
  const id = /^[0-9a-f-]+$/;
  return { job: id.test(fields.get("job") || "") ? fields.get("job") : null,
           compare: (fields.get("compare") || "").split(",").filter((x) => id.test(x)) };
}

function select(id) {
  app.selected = id;
  writeHash();
  app.resultsKey = null;
  app.rows = [];
  hidePointDetail();
  const job = app.jobs.get(id);
  if (job) renderJobView(job);
  renderJobs();
  syncStreams();
}

function renderJobView(job) {
  $("#job-view").hidden = false;
  $("#job-title").textContent = job.spec.name;
  const badge = $("#job-state");
  badge.textContent = job.state;
  badge.className = `badge ${job.state}`;
  const spec = job.spec, data = spec.dataset;
  const [inputs, classes] = data.name === "synthetic" ? [data.features, data.classes] : data.name === "fashion-mnist" ? [784, 10] : ["in", "out"];
  const sizes = [inputs, ...spec.model.hidden, classes];
  $("#job-meta").textContent = [
    `id ${job.id}`, spec.dataset.name, `MLP ${sizes.join("-")}`,
    `${spec.training.optimizer} · ${spec.training.epochs} epochs · batch ${spec.training.batch_size}`,
    `submitted ${formatWhen(job.created_at)}`,
    job.attempts > 1 ? `attempt ${job.attempts}` : null,
    job.cores ? `${job.cores} core${job.cores === 1 ? "" : "s"}` : null,
  ].filter(Boolean).join(" · ");
  // Why earlier attempts ended (crashes are retried from the checkpoint).
  const earlier = (job.attempt_log || []).filter((a) => a.outcome === "crashed" || a.outcome === "failed")
    .map((a, i) => `attempt ${i + 1}: ${a.reason}`);
  const error = $("#job-error");
  const text = [job.error, ...(job.error ? [] : earlier)].filter(Boolean).join("\n");
  error.hidden = !text;
  error.textContent = text;
  error.style.whiteSpace = "pre-wrap";

  // Images and the table reload when a new point is done, not on every progress tick.
  const version = `${job.state}-${job.level ?? 0}-${Object.keys(job.artifacts).length}`;
  $("#job-downloads").replaceChildren(...DOWNLOADS.filter(([name]) => job.artifacts[name])
    .map(([name, label]) => el("a", { href: job.artifacts[name], download: name }, `⬇ ${label}`)));
  if (!job.artifacts["results.csv"]) renderJobCharts();
  $("#job-charts").replaceChildren(...CHARTS.filter(([name]) => job.artifacts[name]).map(([name, caption]) =>
    el("figure", {}, el("a", { href: job.artifacts[name], target: "_blank" },
      el("img", { src: `${job.artifacts[name]}?v=${encodeURIComponent(version)}`, alt: `${caption} chart` })),
      el("figcaption", {}, caption))));
  $("#job-spec").textContent = JSON.stringify(job.spec, null, 2);
  const key = `${job.id}-${version}`;
  if (job.artifacts["results.csv"] && key !== app.resultsKey) {
    app.resultsKey = key;
    loadResults(job.artifacts["results.csv"]);
  } else if (!job.artifacts["results.csv"]) {
    $("#results").replaceChildren(el("tbody", {}, el("tr", { class: "empty" }, el("td", {}, "No results yet."))));
  }
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
function parseCSV(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

async function loadResults(url) {
  const text = await (await fetch(url, { cache: "no-cache" })).text();
  const [header] = parseCSV(text);
  if (!header) return;
  const rows = parseResults(text);
  app.rows = rows;
  renderJobCharts();
  const pct = (x, digits = 1) => `${(Number(x) * 100).toFixed(digits)}%`;
  const ms = (x) => (Number(x) * 1000).toFixed(2);
  const columns = [
    ["Method", (r) => r.method], ["Target", (r) => `${r.target_sparsity}%`], ["Achieved", (r) => pct(r.achieved_sparsity)],
    ["Accuracy", (r) => pct(r.accuracy, 2)], ["Loss", (r) => Number(r.loss).toFixed(4)],
    ["Nonzero params", (r) => Number(r.nonzero_parameters).toLocaleString()], ["Kernel", (r) => r.kernel],
    ["Dense ms", (r) => ms(r.dense_seconds)], ["Pruned ms", (r) => ms(r.pruned_seconds)],
    ["Speed-up", (r) => `${(Number(r.dense_seconds) / Number(r.pruned_seconds)).toFixed(2)}×`],
  ];
  if (rows.some((r) => r.repeat !== "0")) columns.splice(2, 0, ["Repeat", (r) => r.repeat]);
  if (rows.some((r) => r.accuracy_before_finetune)) columns.splice(4, 0, ["Before fine-tune", (r) => r.accuracy_before_finetune ? pct(r.accuracy_before_finetune, 2) : "–"]);
  // Schedules, controls and the each-layer scope add columns only when a job has them.
  if (rows.some((r) => r.step)) columns.splice(1, 0, ["Step", (r) => r.step || "–"]);
  if (rows.some((r) => r.variant && r.variant !== "pruned")) columns.splice(1, 0, ["Variant", (r) => r.variant || "pruned"]);
  if (rows.some((r) => r.layer)) columns.splice(1, 0, ["Layer", (r) => r.layer || "–"]);
  if (rows.some((r) => r.compression_ratio)) columns.splice(columns.length - 4, 0, ["Compression", (r) => r.compression_ratio ? `${Number(r.compression_ratio).toFixed(1)}×` : "–"]);
  if (rows.some((r) => Number(r.dead_units) > 0)) columns.splice(columns.length - 4, 0, ["Dead units", (r) => r.dead_units || "0"]);
  $("#results").replaceChildren(
    el("thead", {}, el("tr", {}, ...columns.map(([title]) => el("th", {}, title)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...columns.map(([, cell]) => el("td", {}, cell(r)))))));
}

// ---------- start ----------

document.addEventListener("DOMContentLoaded", () => {
  const form = $("#spec-form");
  form.elements.token.value = localStorage.getItem("prunelab-token") || "";
  form.addEventListener("submit", submitSpec);
  for (const input of form.querySelectorAll("input[data-upload]")) input.addEventListener("change", () => uploadFile(form, input));
  loadUploads(form);
  form.addEventListener("change", () => { showDatasetFields(form); scheduleEstimate(form); });
  form.addEventListener("input", () => scheduleEstimate(form));
  form.addEventListener("reset", () => setTimeout(() => { clearErrors(form); showDatasetFields(form); }));
  showDatasetFields(form);
  fetch("openapi.json").then((r) => r.json()).then((doc) => {
    applySchema(form, doc["x-spec-fields"] || []);
    showDatasetFields(form);
    scheduleEstimate(form);
    return loadPresets(form);
  }).catch((error) => showBanner(`cannot read the spec schema: ${error}`, false));
  const fromHash = readHash();
  app.selected = fromHash.job;
  app.compared = new Set(fromHash.compare);
  setUpJobsTable();
  setUpJobView();
  setUpQueueEta();
  // A link to another comparison or job opened in this tab changes only the hash.
  window.addEventListener("hashchange", async () => {
    const wanted = readHash();
    app.compared = new Set(wanted.compare);
    refreshComparison();
    if (wanted.job && wanted.job !== app.selected && (app.jobs.has(wanted.job) || await refreshJob(wanted.job))) select(wanted.job);
    renderJobs();
    syncStreams();
  });
  if (!window.EventSource) startPolling();
  refreshList().then(() => { if (app.selected && app.jobs.has(app.selected)) select(app.selected); });
  // New jobs from elsewhere, relative times, queued jobs: a light poll; running jobs stream.
  setInterval(refreshList, 5000);
  setInterval(() => { if (app.polling) refreshList(); }, 1500);
});
