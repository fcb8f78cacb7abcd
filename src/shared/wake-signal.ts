/**
 * The sleep of a poll loop that a wake-up cuts short. A wake-up that comes while the loop is busy is kept, so the
 * next sleep returns at once; the loop clears it when a pass starts (what that pass reads is newer than the wake-up).
 */
export class WakeSignal {
  private wakeUp: (() => void) | null = null;
  private woken = false;

  /** Sleeps for `ms`, or until woken. */
  sleep(ms: number): Promise<void> {
    if (this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** Ends the sleep now, or makes the next one return at once. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /** A pass starts: it answers every wake-up so far. */
  clear(): void {
    this.woken = false;
  }
}
