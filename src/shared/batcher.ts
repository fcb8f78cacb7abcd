/**
 * Gathers items pushed close together and hands them to `flush` in one batch: those pushed while a flush runs, or
 * within `delayMs` of the first (0: the same turn of the event loop), go together. `push` resolves once its batch
 * was flushed, or rejects with the batch's error.
 */
export class Batcher<T> {
  private pending: Array<{ item: T; resolve: () => void; reject: (err: unknown) => void }> = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly o: { delayMs?: number; maxBatch?: number } = {},
  ) {}

  push(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.running ??= this.loop().finally(() => (this.running = null));
    });
  }

  /** Resolves once nothing is pending. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    const delay = this.o.delayMs ?? 0;
    await new Promise((resolve) => (delay > 0 ? setTimeout(resolve, delay) : setImmediate(resolve)));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.o.maxBatch ?? 1000);
      try {
        await this.flush(batch.map((p) => p.item));
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }
}
