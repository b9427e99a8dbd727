/** One request at a time for one question: asking again while a request is in flight runs
 * exactly one more after it, however often it was asked, and each ask resolves once an answer
 * started after it has been handled. After `abort()` (the question changed), the request in
 * flight is cancelled and nothing more runs. Answers are handled in the order they were asked,
 * so an older one never lands after a newer one. */
export class SingleFlight {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private readonly controller = new AbortController();

  /** `run` asks once and handles the answer; it should check `signal.aborted` before using it. */
  constructor(private readonly run: (signal: AbortSignal) => Promise<void>) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  request(): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    if (this.running === null) {
      this.running = this.start();
      return this.running;
    }
    this.next ??= this.running.then(() => {
      this.next = null;
      this.running = this.start();
      return this.running;
    });
    return this.next;
  }

  abort(): void {
    this.controller.abort();
  }

  private async start(): Promise<void> {
    try {
      if (!this.signal.aborted) await this.run(this.signal);
    } catch {
      // `run` reports its own failures; the next ask tries again.
    } finally {
      if (this.next === null) this.running = null;
    }
  }
}
