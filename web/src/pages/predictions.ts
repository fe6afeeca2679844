// Predictions: the promoted models, venues ranked by predicted demand, a concert's predicted
// sales and a customer's recommendations (the predictions API's routes, under /models).

import { type Api, ApiError } from "../api";
import { chartBox, ranking } from "../charts";
import { card, fmt, h, load, table } from "../ui";

type Json = Record<string, unknown>;

interface Choice {
  key: number;
  label: string;
}

/** A form whose input takes an id typed or picked from `choices` (shown by their labels). */
function form(label: string, placeholder: string, testid: string, choices: HTMLDataListElement, run: (value: string, out: HTMLElement) => void): HTMLElement {
  const input = h("input", { type: "text", inputmode: "numeric", pattern: "[0-9]+", placeholder, "aria-label": label, list: choices.id, required: "" });
  const out = h("div", { "data-testid": testid });
  const f = h("form", { class: "inline" }, input, choices, h("button", { type: "submit" }, label));
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    run(input.value.trim(), out);
  });
  return h("div", {}, f, out);
}

/** The answer, or null when the model behind it is not promoted yet (a new platform's state,
 * not an error: the retraining workflow promotes one once there are sales to learn from). */
async function unlessUntrained<T>(answer: Promise<T>): Promise<T | null> {
  try {
    return await answer;
  } catch (err) {
    if (err instanceof ApiError && err.reason === "untrained") return null;
    throw err;
  }
}

function fill(list: HTMLDataListElement, choices: Choice[]): void {
  list.replaceChildren(...choices.map((c) => h("option", { value: String(c.key), label: c.label }, c.label)));
  list.dataset.count = String(choices.length);
}

export function predictionsPage(root: HTMLElement, api: Api): () => void {
  const models = h("div", {});
  const venues = h("div", {});
  const concerts = h("datalist", { id: "pick-concerts", "data-testid": "pick-concerts" });
  const customers = h("datalist", { id: "pick-customers", "data-testid": "pick-customers" });
  root.replaceChildren(
    h(
      "div",
      { class: "grid" },
      card("Venues by predicted demand", venues, "predictions-venues"),
      card(
        "Predicted sales of a concert",
        form("Predict", "concert id, or pick one", "predictions-sales", concerts, (id, out) =>
          void load(out, () => api.get<Json>(`/models/sales/${encodeURIComponent(id)}`), (p) =>
            h("dl", { class: "facts" }, ...Object.entries(p).filter(([, v]) => typeof v !== "object").flatMap(([k, v]) => [h("dt", {}, k.replaceAll("_", " ")), h("dd", {}, String(v))])),
          ),
        ),
      ),
      card(
        "Recommendations for a customer",
        form("Recommend", "customer id, or pick one", "predictions-recommendations", customers, (id, out) =>
          void load(out, () => api.get<{ recommendations?: Json[] }>(`/models/recommendations/${encodeURIComponent(id)}`), (r) =>
            table(["Concert", "Score"], (r.recommendations ?? []).map((x) => [String(x.name ?? x.artist ?? x.concert_id), Number(x.score ?? 0).toFixed(3)])),
          ),
        ),
      ),
      card("Models in service", models, "predictions-models"),
    ),
  );
  void api
    .get<{ concerts: Choice[]; customers: Choice[] }>("/predictions/pickers")
    .then((p) => {
      fill(concerts, p.concerts);
      fill(customers, p.customers);
    })
    .catch(() => undefined); // the inputs still take a typed id
  void load(venues, () => unlessUntrained(api.get<{ venues: Json[] }>("/models/venues/rank", { top: 10 })), (r) => {
    if (r === null)
      return h("p", { class: "empty" }, "No venue model in service yet: the retraining workflow trains one once the warehouse holds 5,000 sales, or run ", h("code", {}, "concert train --model venues"), ".");
    const box = chartBox("venues-ranking");
    ranking(box, r.venues.map((v) => [`${String(v.name)} (${String(v.state)})`, Number(v.score ?? 0)]), { label: "venues by predicted demand score", format: (v) => v.toFixed(2) });
    return box;
  });
  void load(models, () => api.get<{ models: Record<string, Json | null> }>("/models/models"), (r) =>
    table(
      ["Model", "Version", "Registered"],
      Object.entries(r.models).map(([name, m]) => [name, m ? String(m.version) : "not trained", m ? fmt.time(String(m.registered_at)) : "–"]),
    ),
  );
  return () => undefined;
}
