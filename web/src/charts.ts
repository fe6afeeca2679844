// Charts drawn by Apache ECharts (tree-shaken: line and bar charts, axes, tooltips, zoom,
// legends; SVG renderer, so a chart is part of the page's DOM). One library for every page and
// for the chat's answers: a series over time, bars over time and a ranking. Each chart lives in
// a box it fills; it follows the box's size and is disposed when its box leaves the page.

import { BarChart, LineChart } from "echarts/charts";
import type { BarSeriesOption, LineSeriesOption } from "echarts/charts";
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import type { DataZoomComponentOption, GridComponentOption, LegendComponentOption, TooltipComponentOption } from "echarts/components";
import * as echarts from "echarts/core";
import type { ComposeOption, EChartsType } from "echarts/core";
import { SVGRenderer } from "echarts/renderers";

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, DataZoomComponent, LegendComponent, SVGRenderer]);

type Option = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | TooltipComponentOption | DataZoomComponentOption | LegendComponentOption>;

/** How a value reads in tooltips, labels and axes. */
export type Format = (value: number) => string;

/** A named series of [label, value] points; labels are the x axis's categories, in order. */
export interface Series {
  name: string;
  points: Array<[string, number]>;
}

const INK = "#e7ecf5";
const MUTED = "#8f9bb3";
const GRID = "#26304a";
const COLORS = ["#5b9dff", "#3ecf8e", "#f5b94d", "#ff6b6b", "#b68cff"];
const plain: Format = (v) => v.toLocaleString("en-US", { maximumFractionDigits: 2 });

interface Mounted {
  box: HTMLElement;
  chart: EChartsType;
  watcher: ResizeObserver;
  shown: boolean; // its box has been in the page (a chart is often made before its box is placed)
}
const mounted = new Set<Mounted>();

/** Dispose the charts whose boxes are no longer in the page (a page left, a panel refreshed). */
function sweep(): void {
  for (const m of mounted) {
    if (m.box.isConnected) m.shown = true;
    if (m.box.isConnected || !m.shown) continue;
    m.watcher.disconnect();
    m.chart.dispose();
    mounted.delete(m);
  }
}

/** The chart in `box`, made on first use; later calls update it in place (no flicker, zoom kept). */
function chartIn(box: HTMLElement, height: number): EChartsType {
  box.classList.add("chart");
  box.style.height = `${height}px`;
  const existing = echarts.getInstanceByDom(box);
  if (existing) return existing; // its ResizeObserver follows any change of the box's size
  sweep();
  const chart = echarts.init(box, null, { renderer: "svg" });
  const entry: Mounted = { box, chart, watcher: new ResizeObserver(() => {
    if (box.isConnected) entry.shown = true;
    chart.resize();
  }), shown: box.isConnected };
  entry.watcher.observe(box);
  mounted.add(entry);
  // The visible window of a zoomed series, for people reading the DOM (and tests).
  chart.on("datazoom", () => {
    const zoom = (chart.getOption() as { dataZoom?: Array<{ start?: number; end?: number }> }).dataZoom?.[0];
    if (zoom) box.dataset.zoom = `${Math.round(zoom.start ?? 0)}-${Math.round(zoom.end ?? 100)}`;
  });
  return chart;
}

function tooltip(format: Format, trigger: "axis" | "item"): TooltipComponentOption {
  return {
    trigger,
    className: "chart-tooltip",
    valueFormatter: (v) => (typeof v === "number" ? format(v) : String(v ?? "–")),
    backgroundColor: "#0f1420",
    borderColor: "#33405f",
    textStyle: { color: INK },
    confine: true,
  };
}

/** Points over time as a line (or bars; a line only when it has three points or more): axes with values, a tooltip, zoom when the series is long, a legend when there are several. */
export function timeline(box: HTMLElement, series: Series[], opts: { format?: Format; kind?: "line" | "bar"; label: string; zoomFrom?: number; height?: number }): EChartsType {
  const format = opts.format ?? plain;
  const labels = series[0]?.points.map(([x]) => x) ?? [];
  const longest = Math.max(0, ...labels.map((l) => l.length));
  const zoom = labels.length > (opts.zoomFrom ?? 12); // more than a year of months: zoom
  const kind = opts.kind ?? (labels.length > 2 ? "line" : "bar"); // a line needs points to join
  const legend = series.length > 1;
  const chart = chartIn(box, opts.height ?? 220);
  const option: Option = {
    animation: false,
    color: COLORS,
    aria: { enabled: true, label: { description: opts.label } },
    // room on the right for half of a long label centred near the end (ECharts sizes the grid on
    // sample labels, and the last one shown is not always the last category)
    grid: { left: 8, right: Math.max(16, Math.ceil(longest * 3.6)), top: legend ? 32 : 12, bottom: zoom ? 56 : 8, outerBoundsMode: "same", outerBoundsContain: "axisLabel" },
    legend: legend ? { top: 0, textStyle: { color: MUTED } } : { show: false },
    tooltip: tooltip(format, "axis"),
    xAxis: { type: "category", data: labels, boundaryGap: kind === "bar", axisLabel: { color: MUTED, hideOverlap: true, alignMinLabel: "left", alignMaxLabel: "right" }, axisLine: { lineStyle: { color: GRID } } },
    yAxis: { type: "value", axisLabel: { color: MUTED, formatter: (v: number) => format(v) }, splitLine: { lineStyle: { color: GRID } } },
    dataZoom: zoom ? [{ type: "inside" }, { type: "slider", height: 20, bottom: 8, textStyle: { color: MUTED }, borderColor: GRID }] : [],
    series: series.map((s): LineSeriesOption | BarSeriesOption =>
      kind === "bar"
        ? { type: "bar", name: s.name, data: s.points.map(([, v]) => v), barMaxWidth: 48 }
        : { type: "line", name: s.name, data: s.points.map(([, v]) => v), showSymbol: s.points.length < 40, areaStyle: series.length === 1 ? { opacity: 0.15 } : undefined },
    ),
  };
  chart.setOption(option, { replaceMerge: ["series", "dataZoom"] });
  box.dataset.points = String(labels.length);
  box.setAttribute("role", "img");
  box.setAttribute("aria-label", opts.label);
  return chart;
}

/** A ranking as horizontal bars, the first at the top, each with its label and its value as read. */
export function ranking(box: HTMLElement, rows: Array<[string, number]>, opts: { format?: Format; label: string }): EChartsType {
  const format = opts.format ?? plain;
  const chart = chartIn(box, 24 + rows.length * 30);
  const option: Option = {
    animation: false,
    color: COLORS,
    aria: { enabled: true, label: { description: opts.label } },
    // each value is written after its bar: the widest one's room is kept on the right
    grid: { left: 8, right: 12 + Math.max(0, ...rows.map(([, v]) => format(v).length)) * 7.5, top: 4, bottom: 4, outerBoundsMode: "same", outerBoundsContain: "axisLabel" },
    tooltip: tooltip(format, "item"),
    xAxis: { type: "value", show: false, max: (extent: { max: number }) => extent.max || 1 },
    yAxis: {
      type: "category",
      inverse: true,
      data: rows.map(([name]) => name),
      axisLabel: { color: INK, width: 180, overflow: "truncate" },
      axisLine: { show: false },
      axisTick: { show: false },
    },
    series: [
      {
        type: "bar",
        name: opts.label,
        data: rows.map(([, v]) => v),
        barMaxWidth: 22,
        itemStyle: { borderRadius: [0, 4, 4, 0] },
        label: { show: true, position: "right", color: INK, formatter: (p: { value?: unknown }) => format(Number(p.value ?? 0)) },
      },
    ],
  };
  chart.setOption(option, { replaceMerge: ["series"] });
  box.dataset.points = String(rows.length);
  box.setAttribute("role", "img");
  box.setAttribute("aria-label", opts.label);
  return chart;
}

/** A new box for a chart (for renderers that return a node). */
export function chartBox(testid?: string): HTMLElement {
  const box = document.createElement("div");
  if (testid) box.dataset.testid = testid;
  return box;
}
