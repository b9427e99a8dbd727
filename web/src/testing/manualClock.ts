/** Timers for unit tests that run only when the test moves time forward, in order. */
export class ManualClock {
  private time = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; run: () => void }>();

  now = (): number => this.time;

  setTimeout = (run: () => void, ms: number): number => {
    const id = this.nextId++;
    this.pending.set(id, { at: this.time + ms, run });
    return id;
  };

  clearTimeout = (id: unknown): void => {
    this.pending.delete(id as number);
  };

  /** Moves time forward by `ms`, running each timer that falls due, earliest first (timers
   * they set run too when due). */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.pending]
        .filter(([, timer]) => timer.at <= until)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
      if (due.length === 0) break;
      const [id, timer] = due[0];
      this.pending.delete(id);
      this.time = timer.at;
      timer.run();
    }
    this.time = until;
  }
}
