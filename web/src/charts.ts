// Dependency-free SVG charts that scale to their container.

const NS = "http://www.w3.org/2000/svg";

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Vertical bars over time (labels under the first, middle and last bar). */
export function bars(points: Array<[string, number]>, label: string): Element {
  const w = 600;
  const hgt = 180;
  const root = svg("svg", { viewBox: `0 0 ${w} ${hgt + 24}`, class: "chart", role: "img", "aria-label": label });
  if (points.length === 0) return root;
  const max = Math.max(1, ...points.map(([, v]) => v));
  const bw = w / points.length;
  points.forEach(([name, v], i) => {
    const bh = (v / max) * hgt;
    const rect = svg("rect", { x: i * bw + 1, y: hgt - bh, width: Math.max(1, bw - 2), height: bh, class: "bar" });
    const title = svg("title", {});
    title.textContent = `${name}: ${v}`;
    rect.append(title);
    root.append(rect);
  });
  const last = points.length - 1;
  for (const i of new Set([0, Math.floor(points.length / 2), last])) {
    const anchor = i === 0 ? "start" : i === last ? "end" : "middle";
    const x = i === 0 ? 0 : i === last ? w : i * bw + bw / 2;
    const t = svg("text", { x, y: hgt + 16, "text-anchor": anchor, class: "axis" });
    t.textContent = points[i][0];
    root.append(t);
  }
  return root;
}

/** A line with its area, for a daily series. */
export function line(points: Array<[string, number]>, label: string): Element {
  const w = 600;
  const hgt = 180;
  const root = svg("svg", { viewBox: `0 0 ${w} ${hgt + 24}`, class: "chart", role: "img", "aria-label": label });
  if (points.length === 0) return root;
  const max = Math.max(1, ...points.map(([, v]) => v));
  const step = points.length > 1 ? w / (points.length - 1) : w;
  const xy = points.map(([, v], i) => `${(i * step).toFixed(1)},${(hgt - (v / max) * hgt).toFixed(1)}`);
  root.append(svg("polygon", { points: `0,${hgt} ${xy.join(" ")} ${((points.length - 1) * step).toFixed(1)},${hgt}`, class: "area" }));
  root.append(svg("polyline", { points: xy.join(" "), class: "line" }));
  for (const i of new Set([0, points.length - 1])) {
    const t = svg("text", { x: i === 0 ? 0 : w, y: hgt + 16, "text-anchor": i === 0 ? "start" : "end", class: "axis" });
    t.textContent = points[i][0];
    root.append(t);
  }
  return root;
}

/** Horizontal bars with their labels and values, for a ranking. */
export function ranking(rows: Array<[string, number, string]>, testid?: string): HTMLElement {
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const list = document.createElement("ol");
  list.className = "ranking";
  if (testid) list.dataset.testid = testid;
  for (const [name, v, shown] of rows) {
    const li = document.createElement("li");
    const bar = document.createElement("span");
    bar.className = "fill";
    bar.style.width = `${(v / max) * 100}%`;
    const text = document.createElement("span");
    text.className = "label";
    text.textContent = name;
    const val = document.createElement("span");
    val.className = "value";
    val.textContent = shown;
    li.append(bar, text, val);
    list.append(li);
  }
  return list;
}
