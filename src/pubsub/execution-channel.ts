import type { ProgramExecution } from "../modules/execution/execution.entity";
import { isFinished } from "../modules/execution/execution.store";
import type { ExecutionChangeKind } from "./execution-events";
import { BusSubscription, EventBus, TOPICS } from "./pubsub";
import type { SnapshotStream } from "./snapshot-stream";

/** One subscriber of `executionProgress`: drops stale and duplicate snapshots, ends after the finished one. */
export class ProgressWatcher {
  private lastSequence: number;

  /** `after`: the last sequence the client saw (a reconnect); nothing up to it is sent again. */
  constructor(
    readonly stream: SnapshotStream,
    after = 0,
  ) {
    this.lastSequence = after;
  }

  offer(snapshot: ProgramExecution): void {
    if (snapshot.sequence <= this.lastSequence) return;
    this.lastSequence = snapshot.sequence;
    this.stream.push(snapshot);
    if (isFinished(snapshot)) this.stream.end();
  }
}

/**
 * One execution followed in this process. Status changes (and the finish) go out at once and are never merged;
 * counter-only snapshots go out at most once per interval, leading edge first, and the latest one always follows on
 * the trailing edge.
 */
export class ExecutionChannel {
  readonly watchers = new Set<ProgressWatcher>();
  /** `executionEvents` subscribers: told of every newer snapshot before coalescing (they read the log themselves). */
  readonly followers = new Set<{ wake(): void }>();
  readonly subscription: BusSubscription;
  private latest: ProgramExecution | null = null;
  private lastSent: ProgramExecution | null = null;
  private lastProgressAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  /** The newest database snapshot waiting out the grace. */
  private fromDatabase: ProgramExecution | null = null;
  private closed = false;

  constructor(
    bus: EventBus,
    executionId: string,
    private readonly intervalMs: number,
    private readonly graceMs: number,
  ) {
    this.subscription = bus.subscribe(TOPICS.execution(executionId), (e) => this.offer(e.execution, e.kind));
  }

  /** Every snapshot goes through here, from the bus (with its kind) or from the database (kind unknown). */
  offer(snapshot: ProgramExecution, kind: ExecutionChangeKind = "progress"): void {
    if (this.closed || (this.latest && snapshot.sequence <= this.latest.sequence)) return;
    this.latest = snapshot;
    for (const follower of [...this.followers]) follower.wake();
    // Judge by content as well as by label: a snapshot read back from the database carries no kind.
    const sent = this.lastSent;
    if (kind !== "progress" || (sent && (sent.status !== snapshot.status || isFinished(sent) !== isFinished(snapshot)))) {
      this.send(snapshot);
      return;
    }
    if (this.timer) return; // the trailing edge sends the latest
    const wait = this.lastProgressAt + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.lastProgressAt = performance.now();
      this.send(snapshot);
    } else {
      this.timer = setTimeout(() => this.flush(), wait);
    }
  }

  /** A snapshot read from the database: news only if the bus has not brought it (or newer) within the grace. */
  offerFromDatabase(snapshot: ProgramExecution): void {
    if (this.closed || (this.latest && snapshot.sequence <= this.latest.sequence)) return;
    if (this.fromDatabase && snapshot.sequence <= this.fromDatabase.sequence) return;
    this.fromDatabase = snapshot;
    this.graceTimer ??= setTimeout(() => {
      const row = this.fromDatabase!;
      this.graceTimer = null;
      this.fromDatabase = null;
      this.offer(row);
    }, this.graceMs);
  }

  /** Whether nobody follows it any more (then the feed closes it). */
  get idle(): boolean {
    return this.watchers.size === 0 && this.followers.size === 0;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.timer = null;
    this.graceTimer = null;
    this.subscription.close();
  }

  private flush(): void {
    this.timer = null;
    if (this.latest && this.latest !== this.lastSent) {
      this.lastProgressAt = performance.now();
      this.send(this.latest);
    }
  }

  private send(snapshot: ProgramExecution): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastSent = snapshot;
    for (const watcher of [...this.watchers]) watcher.offer(snapshot);
  }
}
