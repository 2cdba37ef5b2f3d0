"use strict";
// The selected job's interactive charts, and what the page offers around a job: when a new
// submission would start and finish, re-run with another seed, and the spec as a curl command.

/** The job view's accuracy, loss and time charts from app.rows (redrawn as points arrive). */
function renderJobCharts() {
  const holder = $("#job-live-charts"), job = app.jobs.get(app.selected);
  if (!job) return;
  if (!app.rows.length) {
    holder.replaceChildren(el("p", { class: "hint" }, FINISHED.has(job.state) ? "This job measured no points." : "Charts appear as the sweep measures its points."));
    return;
  }
  const source = { job, rows: app.rows, label: job.spec.name, index: 0 };
  holder.replaceChildren(...metricCharts("job", [source], app.xAxis, (point) => showPointDetail(job, point)));
}

function setUpJobView() {
  $("#job-x-axis").replaceWith(xAxisSwitch("job-x", app.xAxis, (value) => { app.xAxis = value; renderJobCharts(); }));
}

// ---------- when a submission would start and finish ----------

/** Workers of this server, from /metrics (null when it cannot be read). */
async function workerCount() {
  try {
    const text = await (await fetch("metrics")).text();
    const line = text.split("\n").find((l) => l.startsWith("prunelab_workers "));
    return line ? Number(line.split(" ")[1]) : null;
  } catch { return null; }
}

async function jobsIn(state) {
  const response = await fetch(`jobs?state=${state}&limit=1000`);
  return response.ok ? (await response.json()).jobs : [];
}

/**
 * Start and finish of a new job of `seconds`, scheduling what is ahead (running jobs' ETAs,
 * then queued jobs oldest first, each at their estimate) on `workers` slots.
 */
function queueSchedule(workers, running, queued, seconds) {
  const slots = Array.from({ length: workers }, (_, i) => (running[i] ? running[i].eta_seconds ?? 0 : 0));
  for (const job of running.slice(workers)) slots.push(job.eta_seconds ?? 0);   // more running than local workers: remote ones
  const ahead = [...queued].sort((a, b) => a.created_at.localeCompare(b.created_at));
  for (const job of ahead) {
    const free = slots.indexOf(Math.min(...slots));
    slots[free] += job.estimate ? job.estimate.seconds : 0;
  }
  const start = Math.min(...slots);
  return { start, finish: start + seconds, ahead: ahead.length + running.length };
}

let etaSerial = 0;
async function showQueueEta(estimate) {
  const out = $("#queue-eta"), serial = ++etaSerial;
  if (!estimate) { out.textContent = ""; return; }
  const [workers, running, queued] = await Promise.all([workerCount(), jobsIn("running"), jobsIn("queued")]);
  if (serial !== etaSerial) return;
  if (workers === 0) { out.textContent = `${queued.length} queued; this server runs no jobs itself (--workers 0): a worker elsewhere starts it`; return; }
  const { start, finish, ahead } = queueSchedule(workers || 1, running, queued, estimate.seconds);
  const at = new Date(Date.now() + finish * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  out.textContent = ahead === 0 ? `starts now, done about ${at}`
    : `${ahead} job${ahead === 1 ? "" : "s"} ahead: starts in about ${formatDuration(start)}, done about ${at}`;
}

function setUpQueueEta() {
  $("#estimate").after(el("span", { class: "estimate eta", id: "queue-eta", "aria-live": "polite" }));
}

// ---------- re-run and curl ----------

/**
 * A job's spec as it can be submitted again: GET /jobs/{id} shows the resolved spec, every default
 * included, which the server takes back as it is (a field outside its condition may stand at its default).
 */
function resubmittable(spec) {
  return structuredClone(spec);
}

function dialog(title, ...body) {
  const box = el("dialog", { class: "dialog", "aria-label": title }, el("h3", {}, title), ...body);
  const opener = document.activeElement;
  box.addEventListener("close", () => { box.remove(); if (opener && opener.isConnected) opener.focus(); });
  document.body.append(box);
  box.showModal();
  return box;
}

/** The same spec again, with the seed the user picks (a new job; the old one stays). */
function openRerun(job) {
  const seed = el("input", { name: "rerun-seed", inputmode: "numeric", value: String(job.spec.training.seed) });
  const error = el("div", { class: "field-error", role: "alert" });
  const submit = el("button", { type: "submit" }, "Submit again");
  const form = el("form", { method: "dialog", class: "rerun" },
    el("p", { class: "hint" }, `"${job.spec.name}" (${job.id.slice(0, 8)}) with every field as it ran.`),
    el("label", {}, "Training seed", seed, error),
    el("div", { class: "dialog-actions" }, el("button", { type: "button", class: "secondary", onclick: () => box.close() }, "Close"), submit));
  const box = dialog("Re-run", form);
  seed.select();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const spec = resubmittable(job.spec);
    spec.training.seed = numberOrText(seed.value);
    if (spec.name && !/ \(seed \S+\)$/.test(spec.name)) spec.name = `${spec.name} (seed ${seed.value.trim()})`;
    else if (spec.name) spec.name = spec.name.replace(/ \(seed \S+\)$/, ` (seed ${seed.value.trim()})`);
    submit.disabled = true;
    try {
      const response = await fetch("jobs", { method: "POST", headers: { "Content-Type": "application/json",
        "Idempotency-Key": crypto.randomUUID?.() ?? String(Math.random()).slice(2), ...authHeaders() }, body: JSON.stringify(spec) });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        error.textContent = (body.errors || []).map((e) => `${e.pointer}: ${e.detail}`).join("; ") || body.detail || response.statusText;
        return;
      }
      box.close();
      app.jobs.set(body.id, body);
      app.page.index = 0;
      await refreshList();
      select(body.id);
    } finally { submit.disabled = false; }
  });
}

/** Single quotes for a POSIX shell. */
const shellQuote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;

function curlCommand(spec) {
  const url = new URL("jobs", location.href).href;
  const token = localStorage.getItem("prunelab-token") ? ` -H "Authorization: Bearer $PRUNELAB_TOKEN"` : "";
  return `curl -sS -X POST ${shellQuote(url)} -H 'Content-Type: application/json'${token} -d ${shellQuote(JSON.stringify(spec))}`;
}

async function openCurl(job) {
  const text = el("textarea", { readonly: "", rows: "6", class: "curl", "aria-label": "curl command" }, curlCommand(resubmittable(job.spec)));
  const status = el("span", { class: "hint", role: "status" });
  const copy = el("button", { type: "button" }, "Copy");
  copy.addEventListener("click", async () => {
    text.select();
    try { await navigator.clipboard.writeText(text.value); status.textContent = "Copied."; }
    catch { status.textContent = document.execCommand("copy") ? "Copied." : "Select the text and copy it."; }
  });
  const box = dialog("Submit this spec with curl", text,
    el("div", { class: "dialog-actions" }, status, el("button", { type: "button", class: "secondary", onclick: () => box.close() }, "Close"), copy));
  text.focus();
  text.select();
}
