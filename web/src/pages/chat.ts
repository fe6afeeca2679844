// Chat: a question in plain language, the answer, its chart and rows when it is a series or a
// ranking, and the SQL and tool calls behind it.

import type { Api } from "../api";
import { chartBox, ranking, timeline } from "../charts";
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
  const drawn = chartBox(chart.kind === "timeline" ? "chat-timeline" : "chat-ranking");
  const format = (v: number): string => shown(v, chart.format);
  if (chart.kind === "timeline") timeline(drawn, [{ name: chart.unit, points: chart.points }], { label: chart.title, format });
  else ranking(drawn, chart.points, { label: chart.title, format });
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
const HISTORY_KEY = "concert.chat.history";
const KEPT_TURNS = 30; // the conversation kept for this tab (its session on the server keeps the context)

// Questions the platform answers, offered to start with: a number, rankings, series and a
// comparison, none bound to today's date (a platform fed live after a replayed history has a
// gap: "last month" may have no sales). The e2e test asks each one.
export const EXAMPLES = [
  "How many tickets were sold in 2025?",
  "Top 5 venues by revenue",
  "Tickets sold by month",
  "Which artists sold the most tickets in Texas?",
  "Compare revenue in California and New York",
  "Revenue by quarter",
];

interface Turn {
  question: string;
  answer?: Answer;
  error?: string;
}

function session(renew = false): string {
  let id = renew ? null : sessionStorage.getItem(SESSION_KEY);
  if (!id) {
    id = `web-${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    sessionStorage.setItem(SESSION_KEY, id);
  }
  return id;
}

function history(): Turn[] {
  try {
    const turns = JSON.parse(sessionStorage.getItem(HISTORY_KEY) ?? "[]") as unknown;
    return Array.isArray(turns) ? (turns as Turn[]) : [];
  } catch {
    return [];
  }
}

function remember(turns: Turn[]): void {
  // the newest turns that fit (a long answer's rows can be large)
  for (let keep = Math.min(turns.length, KEPT_TURNS); keep >= 0; keep = keep > 1 ? Math.floor(keep / 2) : keep - 1) {
    try {
      sessionStorage.setItem(HISTORY_KEY, JSON.stringify(turns.slice(turns.length - keep)));
      return;
    } catch {
      // over the storage quota: keep fewer
    }
  }
}

/** The answer of a turn: its text, its charts and rows, and the tool calls behind it. */
function answerNodes(a: Answer): Node[] {
  const details = h("details", {}, h("summary", {}, `${(a.calls ?? []).length} tool call(s)${a.latency_ms ? `, ${Math.round(a.latency_ms)} ms` : ""}`));
  for (const c of a.calls ?? []) {
    details.append(h("p", {}, h("code", {}, c.tool), c.ok === false ? ` failed: ${c.error ?? ""}` : ""));
    if (c.sql) details.append(h("pre", { "data-testid": "chat-sql" }, c.sql));
  }
  const results = Array.isArray(a.result) ? a.result : a.result ? [a.result] : [];
  const figures = results.map(figure).filter((f): f is HTMLElement => f !== null);
  return [h("p", { class: a.answered === false ? "answer unanswered" : "answer", "data-testid": "chat-answer" }, a.answer), ...figures, details];
}

export function chatPage(root: HTMLElement, api: Api): () => void {
  const log = h("div", { class: "chat-log", "data-testid": "chat-log", "aria-live": "polite" });
  const input = h("input", { type: "text", name: "question", placeholder: "e.g. How many tickets were sold in Texas last month?", "aria-label": "question", maxlength: "2000", required: "" });
  const send = h("button", { type: "submit" }, "Ask");
  const fresh = h("button", { type: "button", class: "secondary", "data-testid": "chat-new" }, "New conversation");
  const form = h("form", { class: "chat-form" }, input, send, fresh);
  const examples = h("div", { class: "examples", "data-testid": "chat-examples" }, h("span", { class: "muted" }, "Try: "));
  for (const q of EXAMPLES) {
    const chip = h("button", { type: "button", class: "chip" }, q);
    chip.addEventListener("click", () => ask(q));
    examples.append(chip);
  }
  root.replaceChildren(h("section", { class: "card" }, h("h2", {}, "Ask the platform"), log, form, examples));

  const turns = history();
  function show(turn: Turn): HTMLElement {
    const el = h("div", { class: "turn" }, h("p", { class: "question" }, turn.question));
    if (turn.answer) el.append(...answerNodes(turn.answer));
    else if (turn.error) el.append(h("p", { class: "error", role: "alert" }, turn.error));
    return el;
  }
  log.replaceChildren(...turns.map(show));

  function ask(question: string): void {
    if (!question || send.hasAttribute("disabled")) return;
    input.value = "";
    send.setAttribute("disabled", "");
    const el = h("div", { class: "turn" }, h("p", { class: "question" }, question));
    const pending = h("p", { class: "loading", role: "status" }, "Thinking…");
    el.append(pending);
    log.append(el);
    el.scrollIntoView({ block: "nearest" });
    const turn: Turn = { question };
    api
      .post<Answer>("/chat/ask", { question, session: session() })
      .then((a) => {
        turn.answer = a;
        pending.replaceWith(...answerNodes(a));
      })
      .catch((err: Error) => {
        turn.error = err.message;
        pending.replaceWith(h("p", { class: "error", role: "alert" }, err.message));
      })
      .finally(() => {
        turns.push(turn);
        remember(turns);
        send.removeAttribute("disabled");
        input.focus();
      });
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    ask(input.value.trim());
  });
  fresh.addEventListener("click", () => {
    turns.length = 0;
    sessionStorage.removeItem(HISTORY_KEY);
    session(true); // a new conversation on the server too: follow-ups start over
    log.replaceChildren();
    input.focus();
  });
  return () => undefined;
}
