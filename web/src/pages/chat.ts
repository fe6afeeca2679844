// Chat: a question in plain language, the answer, and the SQL and tool calls behind it.

import type { Api } from "../api";
import { h } from "../ui";

interface Call {
  tool: string;
  ok?: boolean;
  sql?: string;
  error?: string;
  args?: unknown;
}
interface Answer {
  answer: string;
  answered?: boolean;
  calls?: Call[];
  execution?: string;
  latency_ms?: number;
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
        pending.replaceWith(h("p", { class: a.answered === false ? "answer unanswered" : "answer", "data-testid": "chat-answer" }, a.answer), details);
      })
      .catch((err: Error) => pending.replaceWith(h("p", { class: "error", role: "alert" }, err.message)))
      .finally(() => send.removeAttribute("disabled"));
  });
  return () => undefined;
}
