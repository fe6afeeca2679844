// The live channel: a WebSocket to the dashboard's WebSocket API. Each connect asks the
// HTTP API for a fresh 60-second ticket, subscribes, and gets the snapshot, then deltas.
// Counters only grow, so frames are merged by taking the larger value of each counter:
// order, duplicates and the snapshot/delta overlap do not matter. A dropped connection is
// retried with exponential backoff (with jitter, capped at 15 s) and catches up from the
// snapshot of the new subscription.

import type { Api } from "./api";

export type Counters = Record<string, number>;
export interface Item {
  k: string;
  c: Counters;
}
interface Frame {
  type: "snapshot" | "delta" | "pong" | "error";
  items?: Item[];
  reason?: string;
  sent_ms?: number;
}
export type Status = "connecting" | "live" | "reconnecting" | "offline";

export class LiveState {
  readonly items = new Map<string, Counters>();
  /** (arrival time ms, tickets added) each time the total grew while this page was open. */
  readonly arrivals: Array<[number, number]> = [];
  updatedAt = 0;

  merge(items: Item[]): void {
    const before = this.get("ALL", "TOTAL").tickets;
    for (const item of items) {
      const into = this.items.get(item.k) ?? {};
      for (const [name, value] of Object.entries(item.c)) into[name] = Math.max(into[name] ?? value, value);
      this.items.set(item.k, into);
    }
    const after = this.get("ALL", "TOTAL").tickets;
    this.updatedAt = Date.now();
    if (before !== undefined && after !== undefined && after > before) {
      this.arrivals.push([this.updatedAt, after - before]);
      const horizon = this.updatedAt - 15 * 60_000;
      while (this.arrivals.length && this.arrivals[0][0] < horizon) this.arrivals.shift();
    }
  }

  /** Tickets that arrived in the last `seconds`. */
  arrivedWithin(seconds: number, now = Date.now()): number {
    return this.arrivals.filter(([t]) => t >= now - seconds * 1000).reduce((a, [, n]) => a + n, 0);
  }

  /** Tickets arrived per `bucketS`-second bucket over the last `buckets` buckets (oldest first). */
  arrivalSeries(bucketS: number, buckets: number, now = Date.now()): Array<[string, number]> {
    const end = Math.floor(now / (bucketS * 1000));
    const out: Array<[string, number]> = [];
    for (let b = end - buckets + 1; b <= end; b++) out.push([new Date(b * bucketS * 1000).toLocaleTimeString(), 0]);
    for (const [t, n] of this.arrivals) {
      const i = Math.floor(t / (bucketS * 1000)) - (end - buckets + 1);
      if (i >= 0 && i < buckets) out[i][1] += n;
    }
    return out;
  }

  get(pk: string, sk: string): Counters {
    return this.items.get(`${pk}|${sk}`) ?? {};
  }

  minutes(): Array<[string, Counters]> {
    return [...this.items.entries()]
      .filter(([k]) => k.startsWith("ALL|MINUTE#"))
      .map(([k, c]): [string, Counters] => [k.slice("ALL|MINUTE#".length), c])
      .sort(([a], [b]) => a.localeCompare(b));
  }

  top(kind: "CONCERT" | "VENUE", n: number): Array<[string, Counters]> {
    return [...this.items.entries()]
      .filter(([k]) => k.startsWith(`${kind}#`) && k.endsWith("|TOTAL"))
      .map(([k, c]): [string, Counters] => [k.slice(kind.length + 1, -"|TOTAL".length), c])
      .sort(([, a], [, b]) => (b.tickets ?? 0) - (a.tickets ?? 0))
      .slice(0, n);
  }
}

export class LiveChannel {
  readonly state = new LiveState();
  status: Status = "offline";
  reconnects = 0;
  private socket: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private timer: number | undefined;
  private listeners = new Set<() => void>();

  constructor(private readonly api: Api) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  /** Close the socket as a network drop would (the channel reconnects). */
  drop(): void {
    this.socket?.close(4000, "dropped by the client");
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  private setStatus(status: Status): void {
    this.status = status;
    const badge = document.getElementById("ws-status");
    if (badge) {
      badge.textContent = status;
      badge.dataset.state = status;
    }
    this.emit();
  }

  private async connect(): Promise<void> {
    this.setStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    let ticket: string;
    try {
      ticket = (await this.api.post<{ ticket: string }>("/ticket")).ticket;
    } catch {
      this.retry();
      return;
    }
    const url = `${this.api.config.wsUrl}?ticket=${encodeURIComponent(ticket)}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ action: "subscribe" }));
    socket.onmessage = (ev: MessageEvent<string>) => {
      let frame: Frame;
      try {
        frame = JSON.parse(ev.data) as Frame;
      } catch {
        return;
      }
      if (frame.type === "snapshot") {
        if (this.attempt > 0) this.reconnects += 1;
        this.attempt = 0;
        this.setStatus("live");
      }
      if ((frame.type === "snapshot" || frame.type === "delta") && frame.items) {
        this.state.merge(frame.items);
        this.emit();
      }
    };
    socket.onclose = () => {
      if (this.socket === socket) this.socket = null;
      if (!this.stopped) this.retry();
    };
  }

  private retry(): void {
    this.attempt += 1;
    this.setStatus("reconnecting");
    const delay = Math.min(15_000, 500 * 2 ** Math.min(this.attempt - 1, 5)) * (0.5 + Math.random() / 2);
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.connect(), delay);
  }
}
