/**
 * Gathers items pushed close together and hands them to `flush` in one batch: those pushed while a flush runs, or
 * within `delayMs` of the first (0: the same turn of the event loop), go together. Up to `parallel` flushes run at
 * once (default 1), so a slow one does not hold back the next batch. `push` resolves once its batch was flushed,
 * with the result `flush` answered at the item's index (a batched read), or rejects with the batch's error.
 */
export class Batcher<T, R = void> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (err: unknown) => void }> = [];
  private active = 0;
  private readonly drained: Array<() => void> = [];

  constructor(
    private readonly flush: (items: T[]) => Promise<R[] | void>,
    private readonly o: { delayMs?: number; maxBatch?: number; parallel?: number } = {},
  ) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once nothing is pending. */
  idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.drained.push(resolve));
  }

  private kick(): void {
    if (this.active >= (this.o.parallel ?? 1) || this.pending.length === 0) return;
    this.active++;
    void this.loop().finally(() => {
      this.active--;
      if (this.pending.length > 0) this.kick();
      else if (this.active === 0) this.drained.splice(0).forEach((resolve) => resolve());
    });
  }

  private async loop(): Promise<void> {
    const delay = this.o.delayMs ?? 0;
    await new Promise((resolve) => (delay > 0 ? setTimeout(resolve, delay) : setImmediate(resolve)));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.o.maxBatch ?? 1000);
      try {
        const results = await this.flush(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(results ? results[i] : (undefined as R)));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }
}
