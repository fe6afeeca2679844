// The dashboard's HTTP API: its URL from /config.json, the session token from the link
// `concert dashboard` prints (?token=...), kept in sessionStorage for this tab only.

export interface Config {
  apiUrl: string;
  wsUrl: string;
}

const TOKEN_KEY = "concert.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromLink = url.searchParams.get("token");
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink);
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export async function loadConfig(): Promise<Config> {
  const resp = await fetch("config.json", { cache: "no-store" });
  if (!resp.ok) throw new ApiError(resp.status, `config.json: HTTP ${resp.status}`);
  return (await resp.json()) as Config;
}

export class Api {
  constructor(
    readonly config: Config,
    private readonly token: string,
  ) {}

  async get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") query.set(k, String(v));
    const qs = query.toString();
    return this.call<T>("GET", path + (qs ? `?${qs}` : ""));
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>("POST", path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let resp: Response;
    try {
      resp = await fetch(this.config.apiUrl.replace(/\/$/, "") + path, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, `cannot reach the API (${(err as Error).message})`);
    }
    const text = await resp.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { message: text };
    }
    if (!resp.ok) {
      const d = (data ?? {}) as { message?: string; error?: string };
      const why = d.error ?? d.message ?? `HTTP ${resp.status}`;
      throw new ApiError(resp.status, resp.status === 401 || resp.status === 403 ? `not signed in (${why})` : why);
    }
    return data as T;
  }
}
