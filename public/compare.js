"use strict";
// Several jobs overlaid: accuracy, loss and time against sparsity or compression, one series
// per job × method (× variant), and with exactly two jobs the spec fields that differ.
// The comparison is the URL's `#compare=ID1,ID2,…`.

const compare = { xAxis: "sparsity", rows: new Map(), serial: 0 };   // rows: id -> {version, rows}

function toggleCompared(id, on) {
  if (on) app.compared.add(id); else app.compared.delete(id);
  writeHash();
  renderCompareBar();
  refreshComparison();
  syncStreams();
}

/** The bar above the table: how many are ticked, and a way to clear them. */
function renderCompareBar() {
  const count = app.compared.size, bar = $("#compare-bar");
  bar.hidden = count === 0;
  $("#compare-count").textContent = count === 1 ? "1 job ticked: tick another to compare" : `comparing ${count} jobs`;
}

/** Every pointer → value of a JSON document's leaves; arrays are leaves (compared whole). */
function flatten(value, pointer = "", out = new Map()) {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, out);
  } else out.set(pointer || "/", value);
  return out;
}

/** The fields whose values differ: [{pointer, a, b}] (undefined where one spec lacks the field). */
function specDiff(a, b) {
  const left = flatten(a), right = flatten(b);
  const pointers = [...new Set([...left.keys(), ...right.keys()])].sort();
  return pointers.filter((p) => JSON.stringify(left.get(p)) !== JSON.stringify(right.get(p)))
    .map((pointer) => ({ pointer, a: left.get(pointer), b: right.get(pointer) }));
}

const shownValue = (v) => (v === undefined ? "(absent)" : JSON.stringify(v));

function diffTable(jobs) {
  const changes = specDiff(jobs[0].spec, jobs[1].spec);
  const title = el("h3", {}, "Spec differences");
  if (!changes.length) return el("div", { id: "compare-diff" }, title, el("p", { class: "hint" }, "The two specs are the same (the jobs differ only by chance)."));
  const head = el("tr", {}, el("th", {}, "Field"), ...jobs.map((job) => el("th", {}, `${job.spec.name} (${job.id.slice(0, 8)})`)));
  return el("div", { id: "compare-diff" }, title, el("div", { class: "table-wrap" }, el("table", { class: "diff" },
    el("thead", {}, head),
    el("tbody", {}, ...changes.map((c) => el("tr", { "data-pointer-diff": c.pointer },
      el("td", {}, el("code", {}, c.pointer)), el("td", {}, shownValue(c.a)), el("td", {}, shownValue(c.b))))))));
}

/** A compared job: from the page's list when it has it, else fetched (it may be on another page). */
async function comparedJob(id) {
  if (!app.jobs.has(id)) await refreshJob(id);
  return app.jobs.get(id) || null;
}

/** results.csv of a job, refetched only when the job has moved on since the last fetch. */
async function comparedRows(job) {
  const version = `${job.state}-${job.level ?? 0}-${Object.keys(job.artifacts).length}`;
  const cached = compare.rows.get(job.id);
  if (cached && cached.version === version) return cached.rows;
  const rows = await fetchRows(job);
  compare.rows.set(job.id, { version, rows });
  return rows;
}

async function refreshComparison() {
  const view = $("#compare-view"), serial = ++compare.serial;
  if (app.compared.size < 2) { view.hidden = true; return; }
  const jobs = (await Promise.all([...app.compared].map(comparedJob)));
  const missing = [...app.compared].filter((id, i) => !jobs[i]);
  const found = jobs.filter(Boolean);
  const sources = await Promise.all(found.map(async (job, index) => ({ job, rows: await comparedRows(job), index,
    label: `${job.spec.name} (${job.id.slice(0, 8)})` })));
  if (serial !== compare.serial) return;   // a newer refresh is under way
  // Redrawn only when something changed, so that an open point or a focused legend stays.
  const key = JSON.stringify([compare.xAxis, missing, found.map((job) => [job.id, job.state, compare.rows.get(job.id)?.version])]);
  if (!view.hidden && key === compare.shown) return;
  compare.shown = key;
  view.hidden = false;
  const names = el("ul", { class: "compared" }, ...sources.map((s) => el("li", {},
    el("span", { class: "swatch", style: `background:${JOB_COLORS[s.index % JOB_COLORS.length]}` }),
    el("button", { type: "button", class: "link", onclick: () => select(s.job.id) }, s.label), " ",
    el("span", { class: `badge ${s.job.state}` }, s.job.state),
    s.rows.length ? "" : el("span", { class: "hint" }, " no points yet"))));
  const notes = missing.length ? [el("p", { class: "error-text" }, `No such job${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`)] : [];
  const charts = el("div", { class: "charts", id: "compare-charts" },
    ...metricCharts("compare", sources, compare.xAxis, (point) => showPointDetail(point.job, point, "#compare-point")));
  const parts = [names, ...notes, xAxisSwitch("compare-x", compare.xAxis, (value) => { compare.xAxis = value; refreshComparison(); }), charts,
    el("section", { class: "point-detail", id: "compare-point", hidden: "" })];
  if (found.length === 2) parts.push(diffTable(found));
  $("#compare-body").replaceChildren(...parts);
}

function clearComparison() {
  app.compared.clear();
  for (const box of document.querySelectorAll(".compare-box")) box.checked = false;
  writeHash();
  renderCompareBar();
  refreshComparison();
}
