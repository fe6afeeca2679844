// Chat: a question in plain language, the answer, its chart and rows when it is a series or a
// ranking, and the SQL and tool calls behind it.

import type { Api } from "../api";
import { bars, line, ranking } from "../charts";
import { h, table } from "../ui";

interface Call {
  tool: string;
  ok?: boolean;
  sql?: string;
  error?: string;
  args?: unknown;
}
interface Chart {
  kind: "timeline" | "bars";
  title: string;
  unit: string;
  format: "money" | "percent" | "fraction" | "count";
  points: Array<[string, number]>;
}
interface Result {
  kind: string;
  rows?: Array<Record<string, unknown>>;
  chart?: Chart | null;
}
interface Answer {
  answer: string;
  answered?: boolean;
  calls?: Call[];
  execution?: string;
  latency_ms?: number;
  result?: Result | Result[] | null;
}

function shown(value: number, format: Chart["format"]): string {
  if (format === "percent") return `${value.toFixed(2)}%`;
  if (format === "fraction") return `${(value * 100).toFixed(1)}%`;
  if (format === "money") return value.toLocaleString("en-US", { style: "currency", currency: "USD" });
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** The chart of an answer (a line over time, or bars) and, folded, the rows behind it. */
function figure(result: Result): HTMLElement | null {
  const chart = result.chart;
  if (!chart || chart.points.length === 0) return null;
  const drawn =
    chart.kind === "timeline"
      ? chart.points.length > 2 ? line(chart.points, chart.title) : bars(chart.points, chart.title)
      : ranking(chart.points.map(([name, v]) => [name, v, shown(v, chart.format)]), "chat-ranking");
  const rows = result.rows ?? [];
  const columns = rows.length ? Object.keys(rows[0]) : [];
  const behind = h(
    "details",
    {},
    h("summary", {}, `${rows.length} row(s)`),
    table(columns, rows.map((r) => columns.map((c) => String(r[c] ?? "–"))), "chat-rows"),
  );
  return h("figure", { class: "chat-chart", "data-testid": "chat-chart", "data-kind": chart.kind }, h("figcaption", {}, `${chart.title} (${chart.unit})`), drawn, behind);
}

const SESSION_KEY = "concert.chat.session";

function session(): string {
  let id = sessionStorage.getItem(SESSION_KEY);
  if (!id) {
    id = `web-${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    sessionStorage.setItem(SESSION_KEY, id);
  }
  return id;
}

export function chatPage(root: HTMLElement, api: Api): () => void {
  const log = h("div", { class: "chat-log", "data-testid": "chat-log" });
  const input = h("input", { type: "text", name: "question", placeholder: "e.g. How many tickets were sold in Texas last month?", "aria-label": "question", maxlength: "2000", required: "" });
  const send = h("button", { type: "submit" }, "Ask");
  const form = h("form", { class: "chat-form" }, input, send);
  root.replaceChildren(h("section", { class: "card" }, h("h2", {}, "Ask the platform"), log, form));

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    send.setAttribute("disabled", "");
    const turn = h("div", { class: "turn" }, h("p", { class: "question" }, question));
    const pending = h("p", { class: "loading", role: "status" }, "Thinking…");
    turn.append(pending);
    log.append(turn);
    api
      .post<Answer>("/chat/ask", { question, session: session() })
      .then((a) => {
        const details = h("details", {}, h("summary", {}, `${(a.calls ?? []).length} tool call(s)${a.latency_ms ? `, ${Math.round(a.latency_ms)} ms` : ""}`));
        for (const c of a.calls ?? []) {
          details.append(h("p", {}, h("code", {}, c.tool), c.ok === false ? ` failed: ${c.error ?? ""}` : ""));
          if (c.sql) details.append(h("pre", { "data-testid": "chat-sql" }, c.sql));
        }
        const results = Array.isArray(a.result) ? a.result : a.result ? [a.result] : [];
        const figures = results.map(figure).filter((f): f is HTMLElement => f !== null);
        pending.replaceWith(h("p", { class: a.answered === false ? "answer unanswered" : "answer", "data-testid": "chat-answer" }, a.answer), ...figures, details);
      })
      .catch((err: Error) => pending.replaceWith(h("p", { class: "error", role: "alert" }, err.message)))
      .finally(() => send.removeAttribute("disabled"));
  });
  return () => undefined;
}
