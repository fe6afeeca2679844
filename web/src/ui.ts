// Small DOM helpers: elements, loading and error states, number formats.

type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function card(title: string, body: Node, testid?: string): HTMLElement {
  return h("section", { class: "card", ...(testid ? { "data-testid": testid } : {}) }, h("h2", {}, title), body);
}

/** Fill `el` with a loading line, then what `render` makes of the result, or the error with a retry. */
export async function load<T>(el: HTMLElement, fetcher: () => Promise<T>, render: (value: T) => Node): Promise<void> {
  el.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading…"));
  try {
    const value = await fetcher();
    el.replaceChildren(render(value));
  } catch (err) {
    const retry = h("button", { type: "button" }, "Retry");
    retry.addEventListener("click", () => void load(el, fetcher, render));
    el.replaceChildren(h("p", { class: "error", role: "alert" }, (err as Error).message, " ", retry));
  }
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

export const fmt = {
  int: (n: number | null | undefined): string => (n === null || n === undefined ? "–" : integer.format(n)),
  usd: (n: number | null | undefined): string => (n === null || n === undefined ? "–" : money.format(n)),
  pct: (n: number | null | undefined): string => (n === null || n === undefined ? "–" : `${(n * 100).toFixed(1)}%`),
  time: (iso: string | null | undefined): string =>
    iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" }) : "–",
};

const NUMBER = /^[-+$€£]?[\d.,]+(\s?(%|[A-Z]{3}|s|ms))?$/; // a figure: never broken across lines

export function table(headers: string[], rows: Array<Array<Node | string>>, testid?: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, "Nothing yet.");
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      testid ? { "data-testid": testid } : {},
      h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", {}, x)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", typeof c === "string" && NUMBER.test(c) ? { class: "num" } : {}, c))))),
    ),
  );
}
