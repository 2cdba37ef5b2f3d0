"use strict";
// One point of a sweep, chosen on a chart: its values, where pruning cut the network (the first
// layer's kept fraction per input pixel as a heat map, 28×28 for 784 inputs, a strip otherwise)
// and each layer's kept weights and units, from GET /jobs/{id}/points/{method}/{sparsity}/masks.json.

function hidePointDetail() {
  const holder = $("#point-detail");
  if (holder) { holder.hidden = true; holder.replaceChildren(); }
}

/** The point's masks.json URL for one repeat, variant and (each-layer scope) layer of it. */
function masksURL(job, row) {
  const query = new URLSearchParams({ repeat: row.repeat || "0", variant: row.variant || "pruned" });
  if (row.layer !== undefined && row.layer !== "") query.set("layer", row.layer);
  return `jobs/${job.id}/points/${encodeURIComponent(row.method)}/${encodeURIComponent(row.target_sparsity)}/masks.json?${query}`;
}

/**
 * masks.json as the page reads it: {shape: [rows, cols], kept: [fraction per input], layers: [{name, keptWeights,
 * weights, keptUnits, units}]}; an input that is not an image (no 2-D `input_shape`) is one row.
 */
function readMasks(data) {
  const kept = data.input_kept || [];
  let shape = data.input_shape;
  if (!Array.isArray(shape) || shape.length !== 2 || shape[0] * shape[1] !== kept.length) shape = [1, kept.length];
  const layers = (data.layers || []).map((l) => ({
    name: `layer ${l.layer + 1}`, keptWeights: l.weights_kept, weights: l.weights_total, keptUnits: l.units_kept, units: l.units_total,
  }));
  return { shape, kept: kept.map(Number), layers };
}

/** 0 → dark purple, 1 → yellow (viridis stops), so a pixel with no path left stands out. */
function keptColor(f) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const t = Math.min(1, Math.max(0, f)) * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(t)), u = t - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * u));
  return `rgb(${c.join(",")})`;
}

function heatMap({ shape: [rows, cols], kept }) {
  const cell = rows > 1 ? Math.max(4, Math.floor(280 / cols)) : Math.max(2, Math.min(20, Math.floor(560 / cols)));
  const height = rows > 1 ? rows * cell : 36;
  const svg = svgEl("svg", { viewBox: `0 0 ${cols * cell} ${height}`, class: "heatmap", role: "img", "shape-rendering": "crispEdges",
    width: cols * cell, height, "aria-label": `first layer: kept fraction of each of ${kept.length} inputs` });
  // Colours span 0 to the largest fraction kept, which the ramp names: at 90 % sparsity every
  // pixel keeps little, and a 0–100 % scale would show one colour.
  const top = Math.max(...kept, 0) || 1;
  kept.forEach((f, i) => {
    const r = Math.floor(i / cols), c = i % cols;
    const rect = svgEl("rect", { x: c * cell, y: rows > 1 ? r * cell : 0, width: cell, height: rows > 1 ? cell : height, fill: keptColor(f / top) });
    rect.append(svgEl("title", {}, `${rows > 1 ? `pixel (${r}, ${c})` : `input ${i}`}: ${(f * 100).toFixed(1)}% of its weights kept`));
    svg.append(rect);
  });
  const dead = kept.filter((f) => f === 0).length;
  return el("figure", { class: "mask" }, svg,
    el("div", { class: "ramp" }, el("span", {}, "0% kept"), el("span", { class: "ramp-bar" }), el("span", {}, `${(top * 100).toFixed(top < 0.1 ? 1 : 0)}%`)),
    el("figcaption", {}, `First layer, kept fraction per input${rows > 1 ? ` (${rows}×${cols})` : ""}` +
      (dead ? `: ${dead} input${dead === 1 ? "" : "s"} lost every path` : "")));
}

function keptBar(label, kept, total) {
  if (kept == null || !total) return "";
  const share = kept / total;
  return el("div", { class: "kept" }, el("span", { class: "kept-label" }, label),
    el("div", { class: "bar", role: "img", "aria-label": `${label}: ${(share * 100).toFixed(1)}% kept` }, el("span", { style: `width:${share * 100}%` })),
    el("span", { class: "kept-text" }, `${kept.toLocaleString()} / ${total.toLocaleString()} (${(share * 100).toFixed(1)}%)`));
}

function layerBars(layers) {
  if (!layers.length) return "";
  return el("div", { class: "layers" }, el("h4", {}, "Kept per layer"),
    ...layers.map((l) => el("div", { class: "layer" }, el("strong", {}, l.name),
      keptBar("weights", l.keptWeights, l.weights), keptBar("units", l.keptUnits, l.units))));
}

async function loadMasks(job, row, into) {
  into.replaceChildren(el("p", { class: "hint" }, "Loading the masks…"));
  let response;
  try { response = await fetch(masksURL(job, row)); } catch (error) {
    into.replaceChildren(el("p", { class: "hint not-available" }, `The masks could not be loaded: ${error.message}`));
    return;
  }
  if (response.status === 404) {
    const body = await response.json().catch(() => ({}));
    into.replaceChildren(el("p", { class: "hint not-available" },
      `Mask heat map not available: the server answered 404 for masks.json (${body.detail || "no such route on this server"}).`));
    return;
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    into.replaceChildren(el("p", { class: "hint not-available" }, `Mask heat map not available: ${body.detail || response.statusText}`));
    return;
  }
  const masks = readMasks(await response.json());
  // The weights before and after pruning: the server's weights.svg of the same point.
  const weights = el("figure", { class: "point-weights" },
    el("img", { src: masksURL(job, row).replace("/masks.json?", "/weights.svg?"), loading: "lazy",
                alt: "Histograms of |w| and of the column norms per layer, of the trained network and of what pruning left" }),
    el("figcaption", {}, "Weights before and after pruning: |w| and column norms per layer"));
  into.replaceChildren(masks.kept.length ? heatMap(masks) : el("p", { class: "hint" }, "masks.json has no first-layer fractions."),
    layerBars(masks.layers), weights);
}

/** Shows a chart point in `holderSelector` (the job view's panel unless another is named). */
function showPointDetail(job, point, holderSelector = "#point-detail") {
  const holder = $(holderSelector);
  const rows = [...point.rows].sort((a, b) => Number(a.repeat) - Number(b.repeat));
  const masks = el("div", { class: "masks" });
  const head = el("div", { class: "card-head" },
    el("h3", {}, `${job.spec.name} · ${seriesName(rows[0])} at ${rows[0].target_sparsity}%`),
    el("button", { type: "button", class: "secondary small", onclick: () => { holder.hidden = true; } }, "Close"));
  const parts = [head, el("ul", { class: "point-values" }, ...point.lines.map((line) => el("li", {}, line)))];
  if (rows.length > 1) {
    const pick = el("select", { "aria-label": "repeat" }, ...rows.map((r) => new Option(`repeat ${r.repeat} (seed ${r.seed})`, r.repeat)));
    pick.addEventListener("change", () => loadMasks(job, rows.find((r) => r.repeat === pick.value), masks));
    parts.push(el("label", { class: "repeat-pick" }, "Masks of ", pick));
  }
  parts.push(masks);
  holder.replaceChildren(...parts);
  holder.hidden = false;
  loadMasks(job, rows[0], masks);
  holder.scrollIntoView({ block: "nearest" });
}
