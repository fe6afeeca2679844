// Analytics: sales over time, top venues, artists and cities, sell-through and revenue,
// from the warehouse through the HTTP API, with filters by date range, city and genre. The
// filters live in the URL (#/analytics?from=...&to=...&city=...&genre=...): a link or a reload
// shows the same panels.

import type { Api } from "../api";
import { chartBox, ranking, timeline } from "../charts";
import { card, fmt, h } from "../ui";

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

const FILTERS = ["from", "to", "city", "genre"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** The filters the URL carries (an absent one is ""). */
export function filtersInUrl(hash: string): Filters {
  const q = new URLSearchParams(hash.split("?")[1] ?? "");
  return { from: q.get("from") ?? "", to: q.get("to") ?? "", city: q.get("city") ?? "", genre: q.get("genre") ?? "" };
}

/** The page's URL for `filters` (the empty ones left out). */
export function urlOf(filters: Filters): string {
  const q = new URLSearchParams(FILTERS.filter((k) => filters[k]).map((k) => [k, filters[k]]));
  return `#/analytics${q.size ? `?${q.toString()}` : ""}`;
}

function select(name: string, choices: string[], all: string, chosen: string): HTMLSelectElement {
  const el = h("select", { name, "aria-label": name });
  // a choice the URL names stays offered even when the warehouse no longer has it
  const offered = chosen && !choices.includes(chosen) ? [...choices, chosen] : choices;
  el.append(h("option", { value: "" }, all), ...offered.map((c) => h("option", { value: c }, c)));
  el.value = chosen;
  return el;
}

export function analyticsPage(root: HTMLElement, api: Api): () => void {
  const form = h("form", { class: "filters", "data-testid": "analytics-filters" });
  const body = h("div", { class: "grid" });
  root.replaceChildren(card("Filters", form), body);

  const asked = filtersInUrl(window.location.hash);
  const from = h("input", { type: "date", name: "from", "aria-label": "from", value: asked.from });
  const to = h("input", { type: "date", name: "to", "aria-label": "to", value: asked.to });
  const optionsBox = h("span", {}, "Loading filters…");
  const took = h("span", { class: "muted", "data-testid": "analytics-took" });
  form.append(h("label", {}, "From ", from), h("label", {}, "To ", to), optionsBox, h("button", { type: "submit" }, "Apply"), took);
  let city: HTMLSelectElement | null = null;
  let genre: HTMLSelectElement | null = null;

  /** The filter choices, made once from the first answer (the URL's choices selected). */
  function choices(o: Options, filters: Filters): void {
    if (city && genre) return;
    city = select("city", o.cities, "All cities", filters.city);
    genre = select("genre", o.genres, "All genres", filters.genre);
    optionsBox.replaceChildren(city, genre);
  }

  // The panels by the id the API gives them (functions/dashboard/analytics.py PANELS).
  const panels: Array<[string, string, string, (r: Rows) => Node]> = [
    ["sales", "Tickets per day", "analytics-sales", (r) => series(r)],
    ["revenue", "Revenue per day", "analytics-revenue", (r) => series(r, true)],
    ["venues", "Top venues", "analytics-venues", (r) => rank(r)],
    ["artists", "Top artists", "analytics-artists", (r) => rank(r)],
    ["cities", "Top cities", "analytics-cities", (r) => rank(r, true)],
    ["sell-through", "Best sell-through", "analytics-sell-through", (r) => rank(r, false, true)],
  ];
  const boxes = panels.map(([, title, testid]) => {
    const box = h("div", {});
    body.append(card(title, box, testid));
    return box;
  });

  function series(r: Rows, money = false): Node {
    const pts = r.rows.map((x): [string, number] => [String(x.label ?? "").slice(0, 10), Number(x.value ?? 0)]);
    const total = pts.reduce((a, [, v]) => a + v, 0);
    const box = chartBox();
    if (pts.length) timeline(box, [{ name: money ? "revenue" : "tickets", points: pts }], { label: r.describes, format: money ? fmt.usd : fmt.int });
    return h("div", {}, h("p", { class: "kpi-inline" }, money ? fmt.usd(total) : fmt.int(total), " in the period"), pts.length ? box : h("p", { class: "empty" }, "No sales in this period."));
  }
  function rank(r: Rows, money = false, pct = false): Node {
    if (!r.rows.length) return h("p", { class: "empty" }, "Nothing in this period.");
    const box = chartBox();
    ranking(box, r.rows.map((x) => [String(x.label ?? "?"), Number(x.value ?? 0)]), { label: r.describes, format: pct ? fmt.pct : money ? fmt.usd : fmt.int });
    return box;
  }
  let asking = 0;
  /** The page in one request: the choices, the filters in force (the API picks the newest 90
   * days when none are given) and every panel; the URL follows the filters in force. */
  function refresh(): void {
    const filters: Filters = { from: from.value, to: to.value, city: city?.value ?? asked.city, genre: genre?.value ?? asked.genre };
    const mine = ++asking; // an older request answering late does not overwrite a newer one
    const started = performance.now();
    for (const box of boxes) box.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading…"));
    api
      .get<{ filters: Partial<Filters>; options: Options; panels: Record<string, Rows> }>("/analytics/panels", filters)
      .then((r) => {
        if (mine !== asking) return;
        const shown: Filters = { from: r.filters.from ?? "", to: r.filters.to ?? "", city: r.filters.city ?? "", genre: r.filters.genre ?? "" };
        from.value = shown.from;
        to.value = shown.to;
        choices(r.options, shown);
        // the URL follows the filters without a new history entry or a hashchange (no re-render)
        window.history.replaceState(null, "", urlOf(shown));
        panels.forEach(([id, , , render], i) => boxes[i].replaceChildren(r.panels[id] ? render(r.panels[id]) : h("p", { class: "empty" }, "Not available.")));
        took.textContent = `${panels.length} panels in ${Math.round(performance.now() - started)} ms`;
        took.dataset.ms = String(Math.round(performance.now() - started));
      })
      .catch((err: Error) => {
        if (mine !== asking) return;
        for (const box of boxes) {
          const retry = h("button", { type: "button" }, "Retry");
          retry.addEventListener("click", refresh);
          box.replaceChildren(h("p", { class: "error", role: "alert" }, err.message, " ", retry));
        }
      });
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    refresh();
  });
  refresh();
  return () => undefined;
}
