/** When to reload REST data after live messages. Events reach the live feed before the
 * database applies them, so a reload waits until the messages pause for `quietMs` (at most
 * `maxWaitMs` during a burst), and reloads once more `settleMs` later in case the database was
 * still behind. */

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

export class ReloadSchedule {
  private pending: unknown = null;
  private followUp: unknown = null;
  private burstStarted: number | null = null;

  constructor(
    private readonly reload: () => void,
    private readonly quietMs = 700,
    private readonly maxWaitMs = 3000,
    private readonly settleMs = 2500,
    private readonly timers: Timers = realTimers,
  ) {}

  /** A message that concerns the data arrived. */
  notify(): void {
    const now = this.timers.now();
    this.burstStarted ??= now;
    const wait = Math.max(0, Math.min(this.quietMs, this.burstStarted + this.maxWaitMs - now));
    this.clear();
    this.pending = this.timers.setTimeout(() => {
      this.pending = null;
      this.burstStarted = null;
      this.reload();
      this.followUp = this.timers.setTimeout(() => {
        this.followUp = null;
        this.reload();
      }, this.settleMs);
    }, wait);
  }

  cancel(): void {
    this.clear();
    this.burstStarted = null;
  }

  private clear(): void {
    if (this.pending !== null) this.timers.clearTimeout(this.pending);
    if (this.followUp !== null) this.timers.clearTimeout(this.followUp);
    this.pending = null;
    this.followUp = null;
  }
}
