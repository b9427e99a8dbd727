/** Which projects the live feed's URL names. A key that sees every project names none, so
 * that new projects show up; a key limited to projects is refused unless it names them. The
 * project list is therefore fetched only once the feed has refused a connection, naming is
 * tried after two refusals, and whichever way first opened a connection is kept. */
export class FeedProjects {
  private names: readonly string[] = [];
  private loading: Promise<void> | null = null;
  private loaded = false;
  private attemptNamed = false;
  private workingNamed: boolean | null = null;
  private stopped = false;

  constructor(private readonly loadNames: () => Promise<readonly string[]>) {}

  /** The projects to name on a connection attempt after `failedAttempts` refusals. */
  forAttempt(failedAttempts: number): readonly string[] {
    if (this.workingNamed === null && failedAttempts >= 1) this.load();
    this.attemptNamed = this.workingNamed ?? (failedAttempts >= 2 && this.names.length > 0);
    return this.attemptNamed ? this.names : [];
  }

  /** A connection opened: keep naming (or not) as this attempt did. */
  opened(): void {
    this.workingNamed = this.attemptNamed;
  }

  stop(): void {
    this.stopped = true;
  }

  private load(): void {
    if (this.loaded || this.loading || this.stopped) return;
    this.loading = this.loadNames().then(
      (names) => {
        if (this.stopped) return;
        this.names = names;
        this.loaded = true;
      },
      () => undefined, // tried again on the next refusal
    );
    void this.loading.finally(() => {
      this.loading = null;
    });
  }
}
