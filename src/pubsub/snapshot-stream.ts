import type { ProgramExecution } from "../modules/execution/execution.entity";

/**
 * One subscriber's queue of snapshots, read by graphql-ws through the async-iterator protocol. A reader that falls
 * behind gets the newest counters but never loses a status change: a queued snapshot is replaced only by a newer one
 * of the same execution in the same state.
 */
export class SnapshotStream implements AsyncIterableIterator<ProgramExecution> {
  private readonly queue: ProgramExecution[] = [];
  private waiter: ((result: IteratorResult<ProgramExecution>) => void) | null = null;
  private ending = false;
  private released = false;

  /** `onRelease` runs once, when the stream ends or its reader leaves: unregister from the feed there. */
  constructor(private readonly onRelease: () => void) {}

  get isEnding(): boolean {
    return this.ending;
  }

  push(snapshot: ProgramExecution): void {
    if (this.ending) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve({ value: snapshot, done: false });
      return;
    }
    const last = this.queue[this.queue.length - 1];
    if (last && sameState(last, snapshot)) this.queue[this.queue.length - 1] = snapshot;
    else this.queue.push(snapshot);
  }

  /** No more snapshots: the reader gets what is queued, then the end (the subscription completes). */
  end(): void {
    if (this.ending) return;
    this.ending = true;
    if (this.waiter && this.queue.length === 0) {
      this.waiter({ value: undefined, done: true });
      this.waiter = null;
    }
    this.release();
  }

  next(): Promise<IteratorResult<ProgramExecution>> {
    const value = this.queue.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.ending) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** The reader left (client completed or disconnected): drop everything. */
  return(): Promise<IteratorResult<ProgramExecution>> {
    this.queue.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<ProgramExecution>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ProgramExecution> {
    return this;
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }
}

function sameState(a: ProgramExecution, b: ProgramExecution): boolean {
  return a.id === b.id && a.status === b.status && (a.actualEndAt === null) === (b.actualEndAt === null);
}
