// Ops: state machines, their executions with status, an execution's history as a step
// graph, and redrive for a failed one.

import type { Api } from "../api";
import { card, fmt, h, load, table } from "../ui";

interface Machine {
  name: string;
  arn: string;
  type: string;
}
interface Execution {
  name: string;
  arn: string;
  status: string;
  started: string | null;
  duration_s: number | null;
  machine?: string;
}
interface Event {
  id: number;
  type: string;
  at: string | null;
  state?: string;
  error?: string;
  cause?: string;
}

/** States in the order entered, each with how it ended. */
export function steps(events: Event[]): Array<{ state: string; status: string; detail: string }> {
  const out: Array<{ state: string; status: string; detail: string }> = [];
  let current: { state: string; status: string; detail: string } | null = null;
  for (const ev of events) {
    if (ev.type.endsWith("StateEntered") && ev.state) {
      current = { state: ev.state, status: "running", detail: "" };
      out.push(current);
    } else if (ev.type.endsWith("StateExited") && current) {
      if (current.status === "running") current.status = "succeeded";
    } else if (/Failed|TimedOut|Aborted/.test(ev.type) && current) {
      current.status = "failed";
      current.detail = [ev.error, ev.cause].filter(Boolean).join(": ").slice(0, 300);
    }
  }
  return out;
}

export function opsPage(root: HTMLElement, api: Api): () => void {
  // The state machines are a bar of choices over their executions (one wide card, the list
  // scrolling in it), so no short card stands beside a long list.
  const machines = h("div", { class: "choices", role: "toolbar", "aria-label": "state machines", "data-testid": "ops-machines" });
  const executions = h("div", { class: "scroll-y" });
  const history = h("div", { "data-testid": "ops-history" }, h("p", { class: "muted" }, "Pick an execution."));
  root.replaceChildren(card("Executions", h("div", {}, machines, executions), "ops-executions"), card("Execution history", history));

  function showHistory(ex: Execution): void {
    void load(history, () => api.get<{ events: Event[] }>("/executions/history", { arn: ex.arn }), (r) => {
      const graph = h("ol", { class: "steps", "data-testid": "ops-steps" });
      for (const s of steps(r.events)) graph.append(h("li", { class: `step ${s.status}`, title: s.detail }, h("span", { class: "name" }, s.state), h("span", { class: "status" }, s.status), s.detail ? h("span", { class: "detail" }, s.detail) : null));
      const header = h("p", {}, h("strong", {}, ex.name), " ", h("span", { class: `badge ${ex.status.toLowerCase()}` }, ex.status));
      if (["FAILED", "TIMED_OUT", "ABORTED"].includes(ex.status)) {
        const redrive = h("button", { type: "button", "data-testid": "ops-redrive" }, "Redrive");
        const result = h("span", { role: "status" });
        redrive.addEventListener("click", () => {
          redrive.setAttribute("disabled", "");
          api
            .post<{ mode: string }>("/executions/redrive", { arn: ex.arn })
            .then((r2) => (result.textContent = ` ${r2.mode === "redrive" ? "redriven" : "restarted"}`))
            .catch((err: Error) => (result.textContent = ` ${err.message}`))
            .finally(() => redrive.removeAttribute("disabled"));
        });
        header.append(" ", redrive, result);
      }
      return h("div", {}, header, graph, h("p", { class: "muted" }, `${r.events.length} events`));
    });
  }

  function executionsTable(list: Execution[], withMachine: boolean): HTMLElement {
    return table(
      [...(withMachine ? ["Workflow"] : []), "Execution", "Status", "Started", "Duration"],
      list.map((ex) => {
        const link = h("a", { href: "#/ops", "data-execution": ex.name }, ex.name.length > 40 ? `${ex.name.slice(0, 40)}…` : ex.name);
        link.addEventListener("click", (ev) => {
          ev.preventDefault();
          showHistory(ex);
        });
        const cells = [link, h("span", { class: `badge ${ex.status.toLowerCase()}` }, ex.status), fmt.time(ex.started), ex.duration_s == null ? "–" : `${ex.duration_s.toFixed(1)} s`];
        return withMachine ? [ex.machine ?? "", ...cells] : cells;
      }),
      "ops-executions-table",
    );
  }

  function choose(button: HTMLElement): void {
    for (const b of machines.querySelectorAll("button")) b.classList.toggle("active", b === button);
  }

  function showExecutions(m: Machine): void {
    void load(executions, () => api.get<{ executions: Execution[] }>(`/workflows/${encodeURIComponent(m.name)}/executions`, { limit: 25 }), (r) =>
      executionsTable(r.executions, false),
    );
  }

  // First view: the newest executions of every workflow, the failed first.
  function showRecent(): void {
    void load(executions, () => api.get<{ executions: Execution[] }>("/executions/recent", { limit: 30 }), (r) =>
      h("div", {}, h("p", { class: "muted" }, "Every workflow, failed first; pick a state machine for its own."), executionsTable(r.executions, true)),
    );
  }
  showRecent();

  const every = h("button", { type: "button", class: "chip active" }, "Every workflow");
  every.addEventListener("click", () => {
    choose(every);
    showRecent();
  });
  machines.append(every);
  void api
    .get<{ state_machines: Machine[] }>("/workflows")
    .then((r) => {
      for (const m of r.state_machines) {
        const b = h("button", { type: "button", class: "chip", "data-machine": m.name, title: `${m.type ?? "STANDARD"} state machine` }, m.name);
        b.addEventListener("click", () => {
          choose(b);
          showExecutions(m);
        });
        machines.append(b);
      }
    })
    .catch((err: Error) => machines.append(h("span", { class: "error", role: "alert" }, ` state machines unavailable: ${err.message}`)));
  return () => undefined;
}
