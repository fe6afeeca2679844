// Live: sales per minute, revenue, top concerts now, pipeline lag and DLQ depth. Numbers
// come from the WebSocket channel and update in place; health is polled every 5 seconds.

import type { Api } from "../api";
import { timeline } from "../charts";
import type { Counters, LiveChannel } from "../live-channel";
import { card, fmt, h, table } from "../ui";

interface Health {
  dead_letters: Record<string, number>;
  workflows: Record<string, { failed: number; running: number }>;
  alarms_firing: string[];
  warehouse: { events?: number; seconds_since_last_load?: number | null; error?: string };
  healthy: boolean;
}

function revenue(c: Counters): string {
  const parts = Object.entries(c)
    .filter(([k, v]) => k.startsWith("revenue_cents_") && v)
    .map(([k, v]) => {
      const cur = k.slice("revenue_cents_".length).toUpperCase();
      return cur === "USD" ? fmt.usd(v / 100) : `${fmt.int(v / 100)} ${cur}`;
    });
  return parts.length ? parts.join(" + ") : fmt.usd(0);
}

function kpi(label: string, testid: string): [HTMLElement, HTMLElement] {
  const value = h("div", { class: "kpi-value", "data-testid": testid }, "–");
  return [h("div", { class: "kpi" }, h("div", { class: "kpi-label" }, label), value), value];
}

export function livePage(root: HTMLElement, api: Api, live: LiveChannel): () => void {
  const [ticketsBox, tickets] = kpi("Tickets sold", "live-tickets");
  const [revenueBox, revenueValue] = kpi("Revenue", "live-revenue");
  const [ordersBox, orders] = kpi("Orders", "live-orders");
  const [refundsBox, refunds] = kpi("Tickets refunded", "live-refunds");
  const [rateBox, rate] = kpi("Tickets / min now", "live-rate");
  const [behindBox, behind] = kpi("Newest counted event", "live-behind");
  const arriving = h("div", { class: "chart-box", "data-testid": "live-arrivals" });
  const perMinute = h("div", { class: "chart-box", "data-testid": "live-per-minute" });
  const noMinutes = h("p", { class: "empty" }, "No sales yet.");
  const topConcerts = h("div", {});
  const pipeline = h("div", { "data-testid": "live-pipeline" }, h("p", { class: "loading" }, "Loading…"));
  const lagChart = h("div", { class: "chart-box", "data-testid": "live-lag-chart" });
  const lagNote = h("p", { class: "empty" }, "Sampled every 5 s while this page is open.");
  const updated = h("p", { class: "muted", "data-testid": "live-updated" }, "waiting for the live channel…");
  root.replaceChildren(
    h("div", { class: "kpis" }, ticketsBox, rateBox, revenueBox, ordersBox, refundsBox, behindBox),
    updated,
    h(
      "div",
      { class: "grid" },
      card("Tickets arriving (per 10 s, last 10 minutes)", arriving),
      card("Ticket sales per minute (event time, newest hour of data)", h("div", {}, noMinutes, perMinute)),
      card("Top concerts now", topConcerts, "live-top-concerts"),
      card("Pipeline", pipeline),
      card("How far behind (seconds, last 10 minutes)", h("div", {}, lagNote, lagChart), "live-behind-chart"),
    ),
  );
  const names = new Map<string, string>();
  const shows = new Map<string, string>(); // a listing another source published -> the show it is
  const asked = new Set<string>();
  function name(ids: string[]): void {
    const missing = ids.filter((id) => !names.has(id) && !asked.has(id));
    if (!missing.length) return;
    for (const id of missing) asked.add(id);
    void api
      .get<{ names: Record<string, string>; shows?: Record<string, string> }>("/concerts/names", { ids: missing.join(",") })
      .then((r) => {
        for (const [id, label] of Object.entries(r.names)) names.set(id, label);
        for (const [id, show] of Object.entries(r.shows ?? {})) shows.set(id, show);
        // A concert selling before the warehouse loaded it is asked again a little later.
        const unknown = missing.filter((id) => !names.has(id));
        if (unknown.length) window.setTimeout(() => unknown.forEach((id) => asked.delete(id)), 15_000);
        render();
      })
      .catch(() => missing.forEach((id) => asked.delete(id)));
  }

  // How far behind the live numbers are: the age of the newest event they count (its arrival in
  // the stream). Small while events flow: quiet; growing while tickets still arrive: behind.
  function renderBehind(): void {
    const newest = live.state.get("ALL", "TOTAL").newest_arrival_ms;
    if (!newest) return;
    const age = Math.max(0, (Date.now() - newest) / 1000);
    behind.textContent = age < 60 ? `${age.toFixed(1)} s ago` : age < 3600 ? `${Math.round(age / 60)} min ago` : `${(age / 3600).toFixed(1)} h ago`;
    behind.dataset.ageMs = String(Math.round(age * 1000));
    behind.dataset.newestMs = String(newest);
    behind.title = `arrived in the stream at ${new Date(newest).toLocaleTimeString()}`;
  }

  // The top shows: the live counters are kept per concert as its source published it, so the
  // listings of one show (entity resolution's, from the warehouse) are added up here.
  function topShows(n: number): Array<[string, Counters]> {
    const listed = live.state.top("CONCERT", n * 3);
    name(listed.map(([id]) => id));
    const byShow = new Map<string, Counters>();
    for (const [id, c] of listed) {
      const show = shows.get(id) ?? id;
      const sum = byShow.get(show) ?? {};
      for (const [k, v] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + v;
      byShow.set(show, sum);
      if (!names.has(show) && names.has(id)) names.set(show, names.get(id) as string);
    }
    return [...byShow.entries()].sort(([, a], [, b]) => (b.tickets ?? 0) - (a.tickets ?? 0)).slice(0, n);
  }

  function render(): void {
    renderBehind();
    const total = live.state.get("ALL", "TOTAL");
    tickets.textContent = fmt.int(total.tickets ?? 0);
    tickets.dataset.value = String(total.tickets ?? 0);
    revenueValue.textContent = revenue(total);
    revenueValue.dataset.cents = String(total.revenue_cents_usd ?? 0);
    orders.textContent = fmt.int(total.orders ?? 0);
    refunds.textContent = fmt.int(total.tickets_refunded ?? 0);
    rate.textContent = fmt.int(live.state.arrivedWithin(60));
    timeline(arriving, [{ name: "tickets", points: live.state.arrivalSeries(10, 60) }], { kind: "bar", label: "tickets arriving per 10 seconds", zoomFrom: 60, height: 200 });
    const minutes = live.state.minutes().slice(-60);
    noMinutes.hidden = minutes.length > 0;
    perMinute.hidden = minutes.length === 0;
    if (minutes.length) timeline(perMinute, [{ name: "tickets", points: minutes.map(([m, c]) => [m.slice(11), c.tickets ?? 0]) }], { kind: "bar", label: "tickets per minute", zoomFrom: 60, height: 200 });
    const top = topShows(10);
    topConcerts.replaceChildren(
      table(
        ["Concert", "Tickets", "Revenue"],
        top.map(([id, c]) => [names.get(id) ?? `Concert ${id}`, fmt.int(c.tickets ?? 0), revenue(c)]),
        "live-top-table",
      ),
    );
    if (live.state.updatedAt) updated.textContent = `updated ${new Date(live.state.updatedAt).toLocaleTimeString()}`;
  }

  // Live view and warehouse behind the stream, one sample per health poll: the age of the
  // newest event the live numbers count, and the time since the warehouse's last load.
  const lag: Array<[string, number, number]> = [];
  function sampleLag(sinceLoad: number | null | undefined): void {
    const newest = live.state.get("ALL", "TOTAL").newest_arrival_ms;
    const now = Date.now();
    lag.push([new Date(now).toLocaleTimeString(), newest ? Math.max(0, (now - newest) / 1000) : 0, sinceLoad ?? 0]);
    if (lag.length > 120) lag.shift();
    lagNote.hidden = lag.length > 1;
    if (lag.length > 1)
      timeline(lagChart, [
        { name: "live view", points: lag.map(([t, v]) => [t, Number(v.toFixed(1))]) },
        { name: "warehouse", points: lag.map(([t, , w]) => [t, Number(w.toFixed(1))]) },
      ], { label: "seconds behind the stream: the live view and the warehouse", format: (v) => `${v.toFixed(1)} s`, zoomFrom: 120, height: 200 });
  }

  async function poll(): Promise<void> {
    try {
      const health = await api.get<Health>("/health");
      sampleLag(health.warehouse.seconds_since_last_load);
      const dlq = Object.values(health.dead_letters).reduce((a, b) => a + b, 0);
      const failed = Object.values(health.workflows).reduce((a, w) => a + w.failed, 0);
      const wh = health.warehouse;
      pipeline.replaceChildren(
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, "DLQ depth"),
          h("dd", { "data-testid": "live-dlq", class: dlq ? "bad" : "good" }, fmt.int(dlq)),
          h("dt", {}, "Warehouse events"),
          h("dd", { "data-testid": "live-warehouse-events" }, wh.error ? `error: ${wh.error}` : fmt.int(wh.events)),
          h("dt", {}, "Lag (since last load)"),
          h("dd", { "data-testid": "live-lag" }, wh.seconds_since_last_load == null ? "–" : `${wh.seconds_since_last_load.toFixed(1)} s`),
          h("dt", {}, "Failed executions"),
          h("dd", { class: failed ? "bad" : "good" }, fmt.int(failed)),
          h("dt", {}, "Alarms"),
          h("dd", {}, health.alarms_firing.length ? health.alarms_firing.join(", ") : "none"),
        ),
      );
    } catch (err) {
      pipeline.replaceChildren(h("p", { class: "error", role: "alert" }, (err as Error).message));
    }
  }

  render();
  void poll();
  const timer = window.setInterval(() => void poll(), 5000);
  const ticker = window.setInterval(render, 10_000); // the arrival window slides even when idle
  const clock = window.setInterval(renderBehind, 1000); // the age grows while nothing arrives
  const off = live.onChange(render);
  return () => {
    window.clearInterval(timer);
    window.clearInterval(ticker);
    window.clearInterval(clock);
    off();
  };
}
