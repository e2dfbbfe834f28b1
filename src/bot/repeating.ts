/**
 * Work that runs now and then, never two at a time: every `everyMs` once started, and at once on `kick()` — a kick
 * while it runs makes it run once more when done, so nothing asked for during a run is missed. The outbox senders and
 * the job runner run this way.
 */
export class Repeating {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly work: () => Promise<unknown>,
    /** Where a failed run is reported (the next run tries again). */
    private readonly failed: (error: unknown) => void,
  ) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.work();
        } catch (error) {
          this.failed(error);
        }
      } while (this.again);
      this.running = null;
    })();
  }

  /** Runs now, then every `everyMs` until `stop()`. */
  start(everyMs: number): void {
    const tick = () => {
      this.kick();
      this.timer = setTimeout(tick, everyMs);
    };
    tick();
  }

  /** No more runs; resolves when the one under way is done. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.again = false;
    await this.running;
  }
}
