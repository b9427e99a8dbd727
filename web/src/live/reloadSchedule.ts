/** When to reload a view's REST data after live messages. Events reach the live feed before
 * the database applies them, so a reload waits until the messages pause for `quietMs` (at most
 * `maxWaitMs` during a burst), and reloads once more `settleMs` later in case the database was
 * still behind (a new message replaces that follow-up with its own reload).
 *
 * Bounded whatever the message rate: one reload in flight at a time (one falling due meanwhile
 * starts when it ends, however many fell due), and reloads start at least `minGapMs` apart,
 * so a continuous stream reloads once per `maxWaitMs`. */

export interface Timers {
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  now: () => number;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
  now: () => Date.now(),
};

/** A reload; a promise says when it ended, so that the next one can wait for it. */
export type Reload = () => void | PromiseLike<unknown>;

export interface ReloadTiming {
  quietMs?: number;
  maxWaitMs?: number;
  settleMs?: number;
  minGapMs?: number;
}

type Kind = "burst" | "settle";

export class ReloadSchedule {
  private timer: unknown = null;
  private timerAt = 0;
  private dueAt = 0;
  private dueKind: Kind = "burst";
  private burstStarted: number | null = null;
  private lastStart = -Infinity;
  private inFlight = false;
  /** A reload that fell due while another was in flight. */
  private waiting: Kind | null = null;
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly settleMs: number;
  private readonly minGapMs: number;

  constructor(
    private readonly reload: Reload,
    timing: ReloadTiming = {},
    private readonly timers: Timers = realTimers,
  ) {
    this.quietMs = timing.quietMs ?? 700;
    this.maxWaitMs = timing.maxWaitMs ?? 3000;
    this.settleMs = timing.settleMs ?? 2500;
    this.minGapMs = timing.minGapMs ?? 2000;
  }

  /** Messages that concern the data arrived. */
  notify(): void {
    const now = this.timers.now();
    this.burstStarted ??= now;
    const at = Math.max(
      Math.min(now + this.quietMs, this.burstStarted + this.maxWaitMs),
      this.lastStart + this.minGapMs,
    );
    this.arm("burst", at - now);
  }

  cancel(): void {
    this.clearTimer();
    this.burstStarted = null;
    this.waiting = null;
  }

  private arm(kind: Kind, ms: number): void {
    const at = this.timers.now() + Math.max(0, ms);
    this.dueAt = at;
    this.dueKind = kind;
    // A timer that fires no later can stay (it waits out the rest when it fires): a busy feed
    // then costs one timer per reload, not one per batch.
    if (this.timer !== null && this.timerAt <= at) return;
    this.clearTimer();
    this.setTimer(at);
  }

  private setTimer(at: number): void {
    this.timerAt = at;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (this.timers.now() < this.dueAt) {
        this.setTimer(this.dueAt);
        return;
      }
      const kind = this.dueKind;
      if (kind === "burst") this.burstStarted = null;
      if (this.inFlight) this.waiting = kind;
      else this.start(kind);
    }, at - this.timers.now());
  }

  private start(kind: Kind): void {
    this.lastStart = this.timers.now();
    this.inFlight = true;
    if (kind === "burst") this.arm("settle", Math.max(this.settleMs, this.minGapMs));
    let ended: PromiseLike<unknown> | void;
    try {
      ended = this.reload();
    } catch {
      ended = undefined;
    }
    const done = () => {
      this.inFlight = false;
      const next = this.waiting;
      this.waiting = null;
      if (next) this.start(next);
    };
    if (ended && typeof ended.then === "function") ended.then(done, done);
    else done();
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
