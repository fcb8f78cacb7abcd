import type { ExecutionEventView } from "../modules/events/event.service";

/** Events read per database round trip. */
export const FOLLOW_PAGE = 500;
/** After a failed read, the next one waits this long (the feed's poll would otherwise be the only wake-up). */
const RETRY_MS = 1000;

export interface EventFollowerOptions {
  /** The position after which the client wants events. */
  after: number;
  /** Whether the execution had already finished when the subscription started (then the log is complete). */
  finishedAtStart: boolean;
  read(after: number, limit: number): Promise<ExecutionEventView[]>;
  /** Runs once when the reader leaves or the stream ends: unregister from the feed there. */
  onRelease(): void;
  onReadError(err: unknown): void;
}

/**
 * One subscriber of `executionEvents`. The log in the database is the only source: the feed's snapshots (from the
 * bus, or from its periodic re-read of the database) only say "the execution changed, read again". Reading is
 * pulled by the client: a page is read when the previous one has been taken, always after the last position
 * handed out, so the replay and the live part join with no gap and no repeat, whatever order wake-ups arrive in,
 * and a slow client holds one page in memory, not a backlog. Completes after `execution.finished`.
 */
export class EventFollower implements AsyncIterableIterator<ExecutionEventView> {
  private last: number;
  private buffer: ExecutionEventView[] = [];
  /** Counts wake-ups, so one that arrives while a read is running is not lost. */
  private wakes = 0;
  private waiter: (() => void) | null = null;
  private done = false;
  private released = false;

  constructor(private readonly o: EventFollowerOptions) {
    this.last = o.after;
  }

  /** The execution changed (a snapshot with a newer sequence reached the feed). */
  wake(): void {
    this.wakes++;
    this.resolveWaiter();
  }

  async next(): Promise<IteratorResult<ExecutionEventView>> {
    for (;;) {
      if (this.done && this.buffer.length === 0) return this.finish();
      const event = this.buffer.shift();
      if (event) {
        this.last = event.position;
        if (event.type === "execution.finished") this.end();
        return { value: event, done: false };
      }
      const seen = this.wakes;
      let page: ExecutionEventView[];
      try {
        page = await this.o.read(this.last, FOLLOW_PAGE);
      } catch (err) {
        this.o.onReadError(err);
        await this.sleep(RETRY_MS);
        continue;
      }
      if (this.done) return this.finish();
      if (page.length > 0) {
        this.buffer = page.filter((e) => e.position > this.last);
        continue;
      }
      // Nothing new: a finished execution's log is complete; otherwise wait for a change (or one that came meanwhile).
      if (this.o.finishedAtStart) return this.finish();
      if (this.wakes !== seen) continue;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** The reader left (client completed or disconnected). */
  return(): Promise<IteratorResult<ExecutionEventView>> {
    this.buffer = [];
    this.end();
    return Promise.resolve(this.finish());
  }

  throw(): Promise<IteratorResult<ExecutionEventView>> {
    return this.return();
  }

  /** The feed is closing (shutdown): the reader gets the end. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.resolveWaiter();
    this.release();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionEventView> {
    return this;
  }

  private finish(): IteratorResult<ExecutionEventView> {
    this.end();
    return { value: undefined, done: true };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private resolveWaiter(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.o.onRelease();
  }
}
