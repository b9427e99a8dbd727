/** One queue between the live feed and the page: messages are handed to subscribers in batches,
 * on an animation frame at most every `minIntervalMs`, so a busy feed costs a few renders a
 * second rather than one per message and subscriber (or one per frame: sixty a second of
 * style, layout and paint that a reader cannot follow anyway). A hidden page gets no frames: a timer flushes instead, and past
 * `maxQueued` messages the queue keeps only what each subscriber still needs (which projects
 * changed, and that messages were dropped), so it never grows without bound. */

import type { TaskMessage } from "./messages";

/** What subscribers receive, at most once per frame. */
export interface LiveBatch {
  /** The messages in arrival order; when `overflowed`, only the first `maxQueued` of them. */
  readonly messages: readonly TaskMessage[];
  /** Every project with a message in the batch, dropped ones included. */
  readonly projects: ReadonlySet<string>;
  /** Messages were dropped: state built message by message must reload from the REST API. */
  readonly overflowed: boolean;
}

export type BatchListener = (batch: LiveBatch) => void;

export interface FrameClock {
  now: () => number;
  requestFrame: (callback: () => void) => unknown;
  cancelFrame: (handle: unknown) => void;
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

export const browserFrameClock: FrameClock = {
  now: () => performance.now(),
  requestFrame: (callback) => globalThis.requestAnimationFrame(() => callback()),
  cancelFrame: (handle) => globalThis.cancelAnimationFrame(handle as number),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
};

export interface DispatcherOptions {
  clock?: FrameClock;
  /** Messages kept per batch; beyond it a batch is only `projects` + `overflowed`. */
  maxQueued?: number;
  /** The least time between two batches. */
  minIntervalMs?: number;
  /** The flush when no frame comes (hidden page, background tab). */
  fallbackMs?: number;
  /** Where a subscriber's exception goes (the others still get the batch). */
  onError?: (error: unknown) => void;
}

export class LiveDispatcher {
  private readonly listeners = new Set<BatchListener>();
  private queue: TaskMessage[] = [];
  private projects = new Set<string>();
  private overflowed = false;
  private frame: unknown = null;
  /** The wait until `minIntervalMs` has passed since the last batch, before asking a frame. */
  private pause: unknown = null;
  private fallback: unknown = null;
  private lastFlushAt = -Infinity;
  private readonly clock: FrameClock;
  private readonly maxQueued: number;
  private readonly minIntervalMs: number;
  private readonly fallbackMs: number;
  private readonly onError: (error: unknown) => void;

  constructor(options: DispatcherOptions = {}) {
    this.clock = options.clock ?? browserFrameClock;
    this.maxQueued = options.maxQueued ?? 2000;
    this.minIntervalMs = options.minIntervalMs ?? 100;
    this.fallbackMs = options.fallbackMs ?? 1000;
    this.onError =
      options.onError ??
      ((error) =>
        queueMicrotask(() => {
          throw error;
        }));
  }

  subscribe(listener: BatchListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(message: TaskMessage): void {
    this.projects.add(message.data.project);
    if (this.queue.length < this.maxQueued) this.queue.push(message);
    else this.overflowed = true;
    this.schedule();
    if (this.fallback === null) {
      this.fallback = this.clock.setTimeout(() => this.flush(), this.fallbackMs);
    }
  }

  /** Hands what is queued to every subscriber now. */
  flush(): void {
    this.cancelTimers();
    this.lastFlushAt = this.clock.now();
    if (this.queue.length === 0 && !this.overflowed) return;
    const batch: LiveBatch = {
      messages: this.queue,
      projects: this.projects,
      overflowed: this.overflowed,
    };
    this.queue = [];
    this.projects = new Set();
    this.overflowed = false;
    for (const listener of [...this.listeners]) {
      try {
        listener(batch);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** Drops what is queued and stops flushing. */
  stop(): void {
    this.cancelTimers();
    this.queue = [];
    this.projects = new Set();
    this.overflowed = false;
  }

  private schedule(): void {
    if (this.frame !== null || this.pause !== null) return;
    const requestFrame = () => {
      this.frame = this.clock.requestFrame(() => this.flush());
    };
    const wait = this.lastFlushAt + this.minIntervalMs - this.clock.now();
    if (wait <= 0) {
      requestFrame();
      return;
    }
    this.pause = this.clock.setTimeout(() => {
      this.pause = null;
      requestFrame();
    }, wait);
  }

  private cancelTimers(): void {
    if (this.frame !== null) this.clock.cancelFrame(this.frame);
    if (this.pause !== null) this.clock.clearTimeout(this.pause);
    if (this.fallback !== null) this.clock.clearTimeout(this.fallback);
    this.frame = null;
    this.pause = null;
    this.fallback = null;
  }
}

/** Whether `batch` may hold a message that `concerns` cares about. */
export function batchConcerns(
  batch: LiveBatch,
  concerns: (message: TaskMessage) => boolean,
): boolean {
  return batch.overflowed || batch.messages.some(concerns);
}
