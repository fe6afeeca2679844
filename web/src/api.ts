// The dashboard's HTTP API: its URL from /config.json, the session token from the link
// `concert dashboard` prints (?token=...), kept in sessionStorage for this tab only.

export interface Config {
  apiUrl: string;
  wsUrl: string;
}

const TOKEN_KEY = "concert.token";
// API Gateway answers 429 past a stage's or a route's throttling limit: such a request is sent
// again after a backoff (full jitter, 250 ms doubling to at most 8 s, never under the answer's
// Retry-After), up to ATTEMPTS times in all.
const THROTTLED = 429;
const ATTEMPTS = 5;

export function backoffMs(attempt: number, retryAfter: string | null, random: () => number = Math.random): number {
  const jitter = random() * Math.min(8000, 250 * 2 ** (attempt - 1));
  const after = retryAfter === null ? NaN : Number(retryAfter);
  return Math.max(jitter, Number.isFinite(after) && after > 0 ? Math.min(after, 30) * 1000 : 0);
}

/** An API call that failed: its HTTP status (0: unreachable), message and, when the API gives
 * one for a client to act on, its reason code (`untrained`: no model promoted yet). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
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
    let resp = await this.send(method, path, body);
    for (let attempt = 1; resp.status === THROTTLED && attempt < ATTEMPTS; attempt++) {
      const wait = backoffMs(attempt, resp.headers.get("Retry-After"));
      await new Promise((done) => setTimeout(done, wait));
      resp = await this.send(method, path, body);
    }
    return this.decode<T>(resp);
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(this.config.apiUrl.replace(/\/$/, "") + path, {
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
  }

  private async decode<T>(resp: Response): Promise<T> {
    const text = await resp.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { message: text };
    }
    if (!resp.ok) {
      const d = (data ?? {}) as { message?: string; error?: string; reason?: string };
      const why = d.error ?? d.message ?? `HTTP ${resp.status}`;
      throw new ApiError(resp.status, resp.status === 401 || resp.status === 403 ? `not signed in (${why})` : why, d.reason);
    }
    return data as T;
  }
}
