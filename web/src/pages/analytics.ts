// Analytics: sales over time, top venues, artists and cities, sell-through and revenue,
// from the warehouse through the HTTP API, with filters by date range, city and genre.

import type { Api } from "../api";
import { line, ranking } from "../charts";
import { card, fmt, h, load } from "../ui";

interface Rows {
  describes: string;
  sql: string;
  rows: Array<{ key?: number; label: string | null; value: number | null }>;
}
interface Options {
  cities: string[];
  genres: string[];
  range: { first: string | null; last: string | null };
}

function select(name: string, choices: string[], all: string): HTMLSelectElement {
  const el = h("select", { name, "aria-label": name });
  el.append(h("option", { value: "" }, all), ...choices.map((c) => h("option", { value: c }, c)));
  return el;
}

export function analyticsPage(root: HTMLElement, api: Api): () => void {
  const form = h("form", { class: "filters", "data-testid": "analytics-filters" });
  const body = h("div", { class: "grid" });
  root.replaceChildren(card("Filters", form), body);

  const from = h("input", { type: "date", name: "from", "aria-label": "from" });
  const to = h("input", { type: "date", name: "to", "aria-label": "to" });
  const optionsBox = h("span", {}, "Loading filters…");
  form.append(h("label", {}, "From ", from), h("label", {}, "To ", to), optionsBox, h("button", { type: "submit" }, "Apply"));
  let city: HTMLSelectElement | null = null;
  let genre: HTMLSelectElement | null = null;

  api
    .get<Options>("/analytics/options")
    .then((o) => {
      city = select("city", o.cities, "All cities");
      genre = select("genre", o.genres, "All genres");
      optionsBox.replaceChildren(city, genre);
      if (o.range.last && !to.value) {
        to.value = o.range.last.slice(0, 10);
        const start = new Date(o.range.last);
        start.setUTCDate(start.getUTCDate() - 90);
        from.value = start.toISOString().slice(0, 10);
      }
      refresh();
    })
    .catch((err: Error) => {
      optionsBox.replaceChildren(h("span", { class: "error", role: "alert" }, `filters unavailable: ${err.message}`));
      refresh();
    });

  const panels: Array<[string, string, Record<string, string | number>, (r: Rows) => Node]> = [
    ["Tickets per day", "analytics-sales", { metric: "tickets", group: "day" }, (r) => series(r)],
    ["Revenue per day", "analytics-revenue", { metric: "revenue", group: "day" }, (r) => series(r, true)],
    ["Top venues", "analytics-venues", { metric: "tickets", group: "venue", top: 10 }, (r) => rank(r)],
    ["Top artists", "analytics-artists", { metric: "tickets", group: "artist", top: 10 }, (r) => rank(r)],
    ["Top cities", "analytics-cities", { metric: "revenue", group: "city", top: 10 }, (r) => rank(r, true)],
    ["Best sell-through", "analytics-sell-through", { metric: "sell_through", group: "concert", top: 10 }, (r) => rank(r, false, true)],
  ];
  const boxes = panels.map(([title, testid]) => {
    const box = h("div", {});
    body.append(card(title, box, testid));
    return box;
  });

  function series(r: Rows, money = false): Node {
    const pts = r.rows.map((x): [string, number] => [String(x.label ?? "").slice(0, 10), Number(x.value ?? 0)]);
    const total = pts.reduce((a, [, v]) => a + v, 0);
    return h("div", {}, h("p", { class: "kpi-inline" }, money ? fmt.usd(total) : fmt.int(total), " in the period"), pts.length ? line(pts, r.describes) : h("p", { class: "empty" }, "No sales in this period."));
  }
  function rank(r: Rows, money = false, pct = false): Node {
    if (!r.rows.length) return h("p", { class: "empty" }, "Nothing in this period.");
    return ranking(r.rows.map((x) => [String(x.label ?? "?"), Number(x.value ?? 0), pct ? fmt.pct(x.value) : money ? fmt.usd(x.value) : fmt.int(x.value)]));
  }
  function refresh(): void {
    const filters = { from: from.value, to: to.value, city: city?.value ?? "", genre: genre?.value ?? "" };
    panels.forEach(([, , params, render], i) => void load(boxes[i], () => api.get<Rows>("/analytics", { ...params, ...filters }), render));
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    refresh();
  });
  return () => undefined;
}
