/** One resumable connection to the live feed: reconnects with `since=<last id>` so nothing is
 * missed, watches heartbeats to notice a dead connection, and says when a reload is due. */

import {
  compareStreamIds,
  isTaskMessage,
  parseMessage,
  type BudgetCrossedMessage,
  type LiveMessage,
  type TaskMessage,
} from "./messages";

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "stopped";

/** The part of the browser's WebSocket this connection uses. */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

export interface LiveConnectionOptions {
  /** The feed's URL for one attempt; `since` is the position to resume after. */
  url: (since: string | null, failedAttempts: number) => string;
  onTask: (message: TaskMessage) => void;
  /** A notice about a project rather than a task: a budget crossed. */
  onNotice?: (message: BudgetCrossedMessage) => void;
  onStatus?: (status: ConnectionStatus) => void;
  /** Missed events cannot be replayed: reload everything from the REST API. */
  onResync?: (reason: string) => void;
  openSocket?: (url: string) => SocketLike;
  /** Silence after which the connection counts as dead (the server beats every 15 s). */
  silenceLimitMs?: number;
  /** Wait before reconnect attempt `n` (1, 2, ...). */
  retryDelayMs?: (attempt: number) => number;
  timers?: {
    setTimeout: (callback: () => void, ms: number) => unknown;
    clearTimeout: (handle: unknown) => void;
    now: () => number;
  };
}

// The server closes with this code when `since` itself is malformed.
const POLICY_VIOLATION = 1008;

export function backoffDelayMs(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** Math.max(0, attempt - 1));
}

export class LiveConnection {
  /** The newest stream position received: where a reconnect resumes. */
  lastId: string | null = null;
  private status: ConnectionStatus = "stopped";
  private socket: SocketLike | null = null;
  private failedAttempts = 0;
  private retryTimer: unknown = null;
  private silenceTimer: unknown = null;
  private lastNews = 0;
  private readonly options: Required<
    Omit<LiveConnectionOptions, "onStatus" | "onResync" | "onNotice">
  > &
    Pick<LiveConnectionOptions, "onStatus" | "onResync" | "onNotice">;

  constructor(options: LiveConnectionOptions) {
    this.options = {
      openSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      silenceLimitMs: 45_000,
      retryDelayMs: backoffDelayMs,
      timers: {
        setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
        clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
        now: () => Date.now(),
      },
      ...options,
    };
  }

  start(): void {
    if (this.status !== "stopped") return;
    this.setStatus("connecting");
    this.open();
  }

  stop(): void {
    this.setStatus("stopped");
    this.clearTimer("retryTimer");
    this.clearTimer("silenceTimer");
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "leaving");
  }

  private open(): void {
    const socket = this.options.openSocket(this.options.url(this.lastId, this.failedAttempts));
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      opened = true;
      this.failedAttempts = 0;
      this.setStatus("live");
      this.expectNewsWithin();
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket || typeof event.data !== "string") return;
      this.expectNewsWithin();
      const message = parseMessage(event.data);
      if (message) this.receive(message);
    };
    socket.onerror = () => {
      // Always followed by onclose, which decides what happens next.
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimer("silenceTimer");
      if (!opened) this.failedAttempts += 1;
      if (event.code === POLICY_VIOLATION && this.lastId !== null) {
        // Our position was refused: start afresh and reload what we show.
        this.lastId = null;
        this.options.onResync?.("position_refused");
      }
      this.reconnectLater();
    };
  }

  private receive(message: LiveMessage): void {
    if (isTaskMessage(message)) {
      if (message.id) {
        // Never apply an event twice, whatever the server resends.
        if (this.lastId && compareStreamIds(message.id, this.lastId) <= 0) return;
        this.lastId = message.id;
      }
      this.options.onTask(message);
      return;
    }
    switch (message.type) {
      case "heartbeat":
      case "replay_complete":
        this.advanceTo(message.data.last_id);
        break;
      case "resync_required":
        this.options.onResync?.(message.data.reason);
        break;
      case "budget_crossed":
        this.options.onNotice?.(message);
        break;
    }
  }

  private advanceTo(position: string | null): void {
    if (position && (!this.lastId || compareStreamIds(position, this.lastId) > 0)) {
      this.lastId = position;
    }
  }

  private reconnectLater(): void {
    if (this.status === "stopped") return;
    this.setStatus("reconnecting");
    const attempt = Math.max(1, this.failedAttempts);
    this.retryTimer = this.options.timers.setTimeout(() => {
      this.retryTimer = null;
      if (this.status !== "stopped") this.open();
    }, this.options.retryDelayMs(attempt));
  }

  /** News arrived: the connection is alive for another `silenceLimitMs`. One timer per
   * silence period, not one per message. */
  private expectNewsWithin(): void {
    this.lastNews = this.options.timers.now();
    if (this.silenceTimer === null) this.watchSilence(this.options.silenceLimitMs);
  }

  private watchSilence(ms: number): void {
    this.silenceTimer = this.options.timers.setTimeout(() => {
      this.silenceTimer = null;
      const socket = this.socket;
      if (!socket) return;
      const quiet = this.options.timers.now() - this.lastNews;
      if (quiet < this.options.silenceLimitMs) {
        this.watchSilence(this.options.silenceLimitMs - quiet);
        return;
      }
      // Heartbeats stopped: the connection is dead even if the browser has not noticed.
      this.socket = null;
      socket.close(4000, "no heartbeat");
      this.reconnectLater();
    }, ms);
  }

  private clearTimer(name: "retryTimer" | "silenceTimer"): void {
    if (this[name] !== null) this.options.timers.clearTimeout(this[name]);
    this[name] = null;
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }
}
