"use strict";
// From results.csv rows to chart series: one series per job × method (× variant, × layer),
// one point per target sparsity (and iterative step), repeats folded into mean ± std.

const METRICS = {
  accuracy: { title: "Accuracy", yLabel: "test accuracy (%)", value: (r) => Number(r.accuracy) * 100, format: (v) => `${+v.toFixed(1)}%` },
  loss: { title: "Loss", yLabel: "test loss (cross-entropy)", value: (r) => Number(r.loss), format: (v) => String(+v.toPrecision(3)) },
  latency: { title: "Inference time", yLabel: "pruned network, test set (ms)", value: (r) => Number(r.pruned_seconds) * 1000, format: (v) => String(+v.toPrecision(3)) },
};
const X_AXES = {
  sparsity: { label: "target sparsity (%)", log: false, value: (r) => Number(r.target_sparsity), format: (v) => `${+v.toFixed(1)}` },
  compression: { label: "compression ratio (log)", log: true, format: (v) => `${+v.toPrecision(3)}×`,
    value: (r) => Number(r.compression_ratio) || Number(r.total_parameters) / Math.max(1, Number(r.nonzero_parameters)) },
};
// The server's colours (Report/MethodStyle.swift), so the page and the SVG files agree.
const METHOD_COLORS = { weight: "#d62728", unit: "#1f77b4", "global-weight": "#ff7f0e", "random-weight": "#9467bd",
  "random-unit": "#2ca02c", "taylor-unit": "#17becf", snip: "#8c564b", synflow: "#e377c2" };
const JOB_COLORS = ["#0f766e", "#d62728", "#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const DASHES = ["", "6 4", "2 3", "8 3 2 3"];

/** results.csv text as objects keyed by column name. */
function parseResults(text) {
  const [header, ...records] = parseCSV(text);
  if (!header) return [];
  return records.filter((r) => r.length === header.length).map((r) => Object.fromEntries(header.map((name, i) => [name, r[i]])));
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
/** Sample standard deviation (n - 1), 0 for a single value. */
function std(values) {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

const pct = (x, digits = 2) => `${(Number(x) * 100).toFixed(digits)}%`;

/** What a series is, in words: "weight", "weight · small-dense", "unit · layer 2". */
function seriesName(row) {
  const parts = [row.method];
  if (row.variant && row.variant !== "pruned") parts.push(row.variant);
  if (row.layer) parts.push(`layer ${row.layer}`);
  return parts.join(" · ");
}

/** The text lines a point shows on hover, from the rows (repeats) it folds together. */
function pointLines(rows) {
  const acc = rows.map((r) => Number(r.accuracy)), first = rows[0];
  const accText = rows.length > 1 ? `accuracy ${pct(mean(acc))} ± ${pct(std(acc))} (${rows.length} repeats)` : `accuracy ${pct(acc[0])}`;
  const loss = mean(rows.map((r) => Number(r.loss)));
  const lines = [
    `method ${seriesName(first)}${first.step ? ` · step ${first.step}` : ""}`,
    `target sparsity ${first.target_sparsity}%, achieved ${pct(mean(rows.map((r) => Number(r.achieved_sparsity))))}`,
    accText,
    `loss ${loss.toFixed(4)}`,
    `nonzeros ${Math.round(mean(rows.map((r) => Number(r.nonzero_parameters)))).toLocaleString()} of ${Number(first.total_parameters).toLocaleString()}`,
    `kernel ${[...new Set(rows.map((r) => r.kernel))].join("/")}`,
    `time ${(mean(rows.map((r) => Number(r.pruned_seconds))) * 1000).toFixed(2)} ms (dense ${(mean(rows.map((r) => Number(r.dense_seconds))) * 1000).toFixed(2)} ms)`,
  ];
  return lines;
}

/**
 * Series of one metric against one x axis. `sources`: [{job, rows, label, index}]; with
 * several sources the job picks the colour and the method the dash, else the method the colour.
 */
function buildSeries(sources, metricName, xName) {
  const metric = METRICS[metricName], axis = X_AXES[xName], several = sources.length > 1;
  const series = [];
  for (const source of sources) {
    const groups = new Map();
    for (const row of source.rows) {
      const key = `${source.job.id}|${seriesName(row)}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(row);
    }
    const methods = [...new Set(source.rows.map((r) => r.method))];
    for (const [key, rows] of groups) {
      const byPoint = new Map();
      for (const row of rows) {
        const at = `${row.target_sparsity}|${row.step}`;
        if (!byPoint.has(at)) byPoint.set(at, []);
        byPoint.get(at).push(row);
      }
      const points = [...byPoint.values()].map((group) => {
        const ys = group.map(metric.value), y = mean(ys), s = std(ys);
        return { x: mean(group.map(axis.value)), y, low: group.length > 1 ? y - s : null, high: group.length > 1 ? y + s : null,
                 lines: pointLines(group), rows: group, job: source.job };
      });
      const first = rows[0], variantIndex = first.variant && first.variant !== "pruned" ? 1 + (first.variant === "small-dense") : 0;
      series.push({
        key, points, job: source.job,
        label: several ? `${source.label} · ${seriesName(first)}` : seriesName(first),
        color: several ? JOB_COLORS[source.index % JOB_COLORS.length] : METHOD_COLORS[first.method] || "#444",
        dash: DASHES[(several ? methods.indexOf(first.method) : variantIndex) % DASHES.length],
        marker: MARKERS[(several ? methods.indexOf(first.method) : variantIndex) % MARKERS.length],
      });
    }
  }
  return series;
}

/** The three interactive charts (accuracy, loss, time) of some sources against one x axis. */
function metricCharts(idPrefix, sources, xName, onPoint) {
  return Object.entries(METRICS).map(([name, metric]) => lineChart({
    id: `${idPrefix}-${name}`, title: `${metric.title} against ${xName === "sparsity" ? "sparsity" : "compression ratio"}`,
    xLabel: X_AXES[xName].label, yLabel: metric.yLabel, xLog: X_AXES[xName].log,
    xFormat: X_AXES[xName].format, yFormat: metric.format, yFromZero: name === "latency",
    series: buildSeries(sources, name, xName), onPoint,
  }));
}

/** A radio group choosing the x axis; calls `onChange(name)`. */
function xAxisSwitch(name, current, onChange) {
  const group = el("fieldset", { class: "x-switch" }, el("legend", {}, "x axis"));
  for (const [value, text] of [["sparsity", "sparsity"], ["compression", "compression ratio (log)"]]) {
    const input = el("input", { type: "radio", name, value });
    input.checked = value === current;
    input.addEventListener("change", () => { if (input.checked) onChange(value); });
    group.append(el("label", {}, input, ` ${text}`));
  }
  return group;
}

/** results.csv of a job, or [] when it has none yet. */
async function fetchRows(job) {
  if (!job.artifacts || !job.artifacts["results.csv"]) return [];
  const response = await fetch(job.artifacts["results.csv"], { cache: "no-cache" });
  return response.ok ? parseResults(await response.text()) : [];
}
