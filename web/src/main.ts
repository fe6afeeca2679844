// The dashboard: a page per hash route, one live channel shared by all pages.

import { Api, loadConfig, takeToken } from "./api";
import { LiveChannel } from "./live-channel";
import { analyticsPage } from "./pages/analytics";
import { chatPage } from "./pages/chat";
import { livePage } from "./pages/live";
import { opsPage } from "./pages/ops";
import { predictionsPage } from "./pages/predictions";
import "./style.css";
import { h } from "./ui";

declare global {
  interface Window {
    concert?: { live: LiveChannel };
  }
}

const PAGES = ["live", "analytics", "predictions", "ops", "chat"] as const;
type Page = (typeof PAGES)[number];

async function main(): Promise<void> {
  const root = document.getElementById("page") as HTMLElement;
  const token = takeToken();
  if (!token) {
    root.replaceChildren(
      h("section", { class: "card" }, h("h2", {}, "Sign in"), h("p", {}, "Open the link that ", h("code", {}, "concert dashboard"), " prints: it carries a session token for this browser tab.")),
    );
    return;
  }
  let api: Api;
  try {
    api = new Api(await loadConfig(), token);
  } catch (err) {
    root.replaceChildren(h("p", { class: "error", role: "alert" }, `Cannot load the configuration: ${(err as Error).message}`));
    return;
  }
  const live = new LiveChannel(api);
  window.concert = { live };
  live.start();
  let leave: () => void = () => undefined;
  const route = (): void => {
    // "#/analytics?from=...": the page's name, then its own state (filters) after a "?"
    const name = (window.location.hash.replace(/^#\/?/, "").split("?")[0] || "live") as Page;
    const page: Page = PAGES.includes(name) ? name : "live";
    leave();
    for (const a of document.querySelectorAll<HTMLAnchorElement>("#nav a")) a.classList.toggle("active", a.dataset.page === page);
    document.body.dataset.page = page;
    leave =
      page === "live" ? livePage(root, api, live)
      : page === "analytics" ? analyticsPage(root, api)
      : page === "predictions" ? predictionsPage(root, api)
      : page === "ops" ? opsPage(root, api)
      : chatPage(root, api);
  };
  window.addEventListener("hashchange", route);
  route();
}

void main();
