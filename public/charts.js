"use strict";
// Interactive line charts as inline SVG: points that show their values on hover or focus,
// legend entries that hide or show a series, a linear or log x axis, mean ± std bands.
// Plain DOM; used by app.js (one job), compare.js (several jobs) and points.js (clicks).

const SVG_NS = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs = {}, ...children) => {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
};

// The series a user hid, by chart and series key, so that a live redraw keeps them hidden.
const hiddenSeries = new Map();

/** Ticks of a linear axis: about `count` round numbers covering [low, high]. */
function linearTicks(low, high, count = 5) {
  if (!(high > low)) return [low];
  const raw = (high - low) / count, power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Ticks of a log axis: 1, 2, 5 × powers of ten inside [low, high] (fewer when the range is wide). */
function logTicks(low, high) {
  const ticks = [];
  for (let p = Math.floor(Math.log10(low)); p <= Math.ceil(Math.log10(high)); p++) {
    for (const m of [1, 2, 5]) { const t = m * 10 ** p; if (t >= low * 0.999 && t <= high * 1.001) ticks.push(t); }
  }
  return ticks.length > 8 ? ticks.filter((t) => String(t).startsWith("1")) : ticks;
}

/** Nice axis bounds around the values; a log axis keeps a factor of margin. */
function axisRange(values, log, floorZero) {
  let low = Math.min(...values), high = Math.max(...values);
  if (log) {
    low = Math.max(low, 1e-9);
    return [low / 1.15, high * 1.15];
  }
  if (floorZero) low = Math.min(low, 0);
  if (high === low) { high += Math.abs(high) * 0.1 || 1; low -= Math.abs(low) * 0.1 || 0; }
  const pad = (high - low) * 0.05;
  return [floorZero && low >= 0 ? low : low - pad, high + pad];
}

const MARKERS = ["circle", "square", "triangle", "diamond"];
function marker(shape, x, y, r, attrs) {
  if (shape === "square") return svgEl("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, ...attrs });
  if (shape === "triangle") return svgEl("polygon", { points: `${x},${y - r * 1.2} ${x - r * 1.1},${y + r * 0.8} ${x + r * 1.1},${y + r * 0.8}`, ...attrs });
  if (shape === "diamond") return svgEl("polygon", { points: `${x},${y - r * 1.3} ${x + r * 1.1},${y} ${x},${y + r * 1.3} ${x - r * 1.1},${y}`, ...attrs });
  return svgEl("circle", { cx: x, cy: y, r, ...attrs });
}

/**
 * One chart. `spec`: {id, title, xLabel, yLabel, xLog, yFormat(v), xFormat(v), series: [{key, label,
 * color, dash, marker, points: [{x, y, low, high, lines: [text…], data}]}], onPoint(point, series)}.
 * Returns a <figure> holding the SVG, its legend (buttons) and a tooltip.
 */
function lineChart(spec) {
  const width = 560, height = 320, margin = { left: 58, right: 14, top: 12, bottom: 44 };
  const hidden = hiddenSeries.get(spec.id) || new Set();
  hiddenSeries.set(spec.id, hidden);
  const figure = el("figure", { class: "chart", "data-chart": spec.id });
  const tooltip = el("div", { class: "tooltip", role: "status", hidden: "" });
  const all = spec.series.flatMap((s) => s.points);
  if (!all.length) {
    figure.append(el("p", { class: "hint" }, "No points yet."), el("figcaption", {}, spec.title));
    return figure;
  }
  const xs = all.map((p) => p.x).filter((x) => !spec.xLog || x > 0);
  const ys = all.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]).filter(Number.isFinite);
  const [x0, x1] = axisRange(xs.length ? xs : [1], spec.xLog, !spec.xLog);
  const [y0, y1] = axisRange(ys.length ? ys : [0], false, spec.yFromZero);
  const plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom;
  const sx = spec.xLog ? (x) => margin.left + (Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0)) * plotW
                       : (x) => margin.left + (x - x0) / (x1 - x0) * plotW;
  const sy = (y) => margin.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "plot", role: "img", "aria-label": spec.title });
  svg.append(svgEl("title", {}, spec.title));

  // Axes, grid and labels.
  const grid = svgEl("g", { class: "grid" });
  for (const t of linearTicks(y0, y1)) {
    grid.append(svgEl("line", { x1: margin.left, x2: width - margin.right, y1: sy(t), y2: sy(t) }),
      svgEl("text", { x: margin.left - 6, y: sy(t) + 4, "text-anchor": "end" }, spec.yFormat(t)));
  }
  for (const t of spec.xLog ? logTicks(x0, x1) : linearTicks(x0, x1, 6)) {
    grid.append(svgEl("line", { x1: sx(t), x2: sx(t), y1: margin.top, y2: margin.top + plotH, class: "x" }),
      svgEl("text", { x: sx(t), y: margin.top + plotH + 16, "text-anchor": "middle" }, spec.xFormat(t)));
  }
  grid.append(svgEl("text", { x: margin.left + plotW / 2, y: height - 6, "text-anchor": "middle", class: "axis-label" }, spec.xLabel),
    svgEl("text", { x: 14, y: margin.top + plotH / 2, "text-anchor": "middle", class: "axis-label",
                    transform: `rotate(-90 14 ${margin.top + plotH / 2})` }, spec.yLabel));
  svg.append(grid);

  const showTip = (point, series, node) => {
    tooltip.replaceChildren(el("strong", {}, series.label), ...point.lines.map((line) => el("div", {}, line)));
    tooltip.hidden = false;
    const box = figure.getBoundingClientRect(), at = node.getBoundingClientRect();
    const left = Math.min(Math.max(0, at.left - box.left + 12), Math.max(0, box.width - 240));
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${at.top - box.top + 14}px`;
  };
  const hideTip = () => { tooltip.hidden = true; };

  for (const [index, series] of spec.series.entries()) {
    const group = svgEl("g", { class: "series", "data-series": series.key });
    if (hidden.has(series.key)) group.setAttribute("display", "none");
    const points = series.points.filter((p) => Number.isFinite(p.y) && (!spec.xLog || p.x > 0)).sort((a, b) => a.x - b.x);
    const banded = points.filter((p) => p.low != null && p.high != null && p.high > p.low);
    if (banded.length > 1) {
      const upper = banded.map((p) => `${sx(p.x)},${sy(p.high)}`), lower = banded.map((p) => `${sx(p.x)},${sy(p.low)}`).reverse();
      group.append(svgEl("polygon", { class: "band", points: [...upper, ...lower].join(" "), fill: series.color }));
    }
    if (points.length > 1) {
      group.append(svgEl("polyline", { class: "line", points: points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" "),
        stroke: series.color, "stroke-dasharray": series.dash || "" }));
    }
    for (const point of points) {
      const node = marker(series.marker || MARKERS[0], sx(point.x), sy(point.y), 4.5,
        { class: "point", fill: series.color, tabindex: "0", role: "button", "aria-label": `${series.label}: ${point.lines.join(", ")}` });
      node.addEventListener("mouseenter", () => showTip(point, series, node));
      node.addEventListener("focus", () => showTip(point, series, node));
      node.addEventListener("mouseleave", hideTip);
      node.addEventListener("blur", hideTip);
      const choose = () => spec.onPoint && spec.onPoint(point, series);
      node.addEventListener("click", choose);
      node.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(); } });
      group.append(node);
    }
    svg.append(group);
    series.index = index;
  }

  const legend = el("div", { class: "legend" }, ...spec.series.map((series) => {
    const swatch = el("span", { class: "swatch", style: `background:${series.color}` });
    if (series.dash) swatch.classList.add("dashed");
    const button = el("button", { type: "button", class: "legend-entry", "aria-pressed": String(!hidden.has(series.key)),
      title: "Show or hide this series", "data-series": series.key }, swatch, series.label);
    button.addEventListener("click", () => {
      if (hidden.has(series.key)) hidden.delete(series.key); else hidden.add(series.key);
      button.setAttribute("aria-pressed", String(!hidden.has(series.key)));
      const group = svg.querySelector(`g.series[data-series="${CSS.escape(series.key)}"]`);
      if (group) group.setAttribute("display", hidden.has(series.key) ? "none" : "inline");
    });
    return button;
  }));
  figure.append(svg, tooltip, legend, el("figcaption", {}, spec.title));
  return figure;
}
