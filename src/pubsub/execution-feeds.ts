import { In } from "typeorm";
import type { Db } from "../db/db";
import { ExecutionStatus, ProgramExecution } from "../modules/execution/execution.entity";
import { isFinished, readExecution } from "../modules/execution/execution.store";
import type { Clock } from "../shared/clock";
import { NotFoundError } from "../shared/errors";
import type { Logger } from "../shared/logger";
import { isUuid } from "../shared/validation";
import type { ExecutionChangeKind } from "./execution-events";
import { readEventsAfter, mustOwnExecution, ExecutionEventView } from "../modules/events/event.service";
import { ExecutionChannel, ProgressWatcher } from "./execution-channel";
import { EventFollower } from "./event-follower";
import { BusSubscription, EventBus, TOPICS } from "./pubsub";
import { SnapshotStream } from "./snapshot-stream";

export { ExecutionChannel, ProgressWatcher };

/** How often an API process re-reads the executions its clients follow (Redis is for speed, the database for truth). */
export const DEFAULT_POLL_MS = 2000;
/** How long a new subscription waits for the transport before reading its first snapshot anyway (Redis down). */
export const DEFAULT_ESTABLISH_TIMEOUT_MS = 1000;
/** Finished executions stay in the organization poll this long, so a final status lost on the bus still arrives. */
const FINISHED_WINDOW_MS = 60_000;
/**
 * A snapshot read from the database waits this long before it counts as news: when the bus works, its message for the
 * same change is on the way and arrives first, so the two paths cannot reorder status changes.
 */
export const DEFAULT_BUS_GRACE_MS = 500;
/** Ids per batched SELECT … WHERE id IN (…). */
const POLL_BATCH = 500;

export interface ExecutionFeedsOptions {
  bus: EventBus;
  db: Db;
  clock: Clock;
  logger: Logger;
  /** VOICECAST_PROGRESS_INTERVAL_MS: at most one counter-only event per execution per interval. */
  progressIntervalMs: number;
  pollMs?: number;
  establishTimeoutMs?: number;
  busGraceMs?: number;
}

/**
 * The live feeds of one API process. Every subscriber of an execution shares one bus subscription and one
 * coalescing state (an ExecutionChannel); every subscriber of an organization's changes shares an OrganizationChannel.
 * Snapshots reach the channels from the bus and from a periodic batched re-read of the database, and every copy is
 * ordered by `sequence`, so a lost, late or duplicated message can neither corrupt nor stall what a client sees.
 */
export class ExecutionFeeds {
  private readonly executions = new Map<string, ExecutionChannel>();
  private readonly organizations = new Map<string, OrganizationChannel>();
  private readonly pollTimer: NodeJS.Timeout;
  private readonly establishTimeoutMs: number;
  private polling = false;
  private closed = false;

  constructor(private readonly opts: ExecutionFeedsOptions) {
    this.establishTimeoutMs = opts.establishTimeoutMs ?? DEFAULT_ESTABLISH_TIMEOUT_MS;
    this.pollTimer = setInterval(() => void this.poll(), opts.pollMs ?? DEFAULT_POLL_MS);
    this.pollTimer.unref();
  }

  /**
   * `executionProgress`: the current snapshot first, then one per committed change (counter-only ones coalesced),
   * ending after the finished snapshot. `after` (the last sequence a reconnecting client saw) skips the first snapshot
   * when nothing changed since. Another organization's, an unknown or a malformed id is EXECUTION_NOT_FOUND.
   */
  async progress(organizationId: string, executionId: string, after = 0): Promise<AsyncIterableIterator<ProgramExecution>> {
    if (this.closed) throw new Error("shutting down");
    if (!isUuid(executionId)) throw new NotFoundError("Execution", executionId);
    const joined = this.channelOf(executionId);
    const watcher = new ProgressWatcher(
      new SnapshotStream(() => {
        joined.watchers.delete(watcher);
        this.leave(executionId, joined);
      }),
      after,
    );
    joined.watchers.add(watcher);
    try {
      // Subscribe first, then read: a change committed after the read is published after it, so nothing falls
      // between. Events that arrive meanwhile are held in the stream, which no one reads before the check below.
      await settleWithin(joined.subscription.established, this.establishTimeoutMs);
      const current = await this.opts.db.read((r) => readExecution(r, executionId, organizationId));
      if (!current) throw new NotFoundError("Execution", executionId);
      watcher.offer(current);
      // Finished and already seen: nothing will ever follow.
      if (isFinished(current) && current.sequence <= after) watcher.stream.end();
      joined.offerFromDatabase(current);
      return watcher.stream;
    } catch (err) {
      await watcher.stream.return();
      throw err;
    }
  }

  /**
   * `executionEvents`: the log after `after`, replayed from the database, then live. Rides the execution's channel:
   * each newer snapshot (bus or re-read) wakes the follower, which reads the log after the last position it handed out.
   */
  async events(organizationId: string, executionId: string, after = 0): Promise<AsyncIterableIterator<ExecutionEventView>> {
    if (this.closed) throw new Error("shutting down");
    if (!isUuid(executionId)) throw new NotFoundError("Execution", executionId);
    const joined = this.channelOf(executionId);
    const placeholder = { wake: () => undefined };
    joined.followers.add(placeholder);
    try {
      // Subscribe first, then read (as above): a change committing after the ownership read wakes the follower.
      await settleWithin(joined.subscription.established, this.establishTimeoutMs);
      const { finished } = await this.opts.db.read((r) => mustOwnExecution(r, organizationId, executionId));
      const follower: EventFollower = new EventFollower({
        after: Math.max(0, Math.floor(after)),
        finishedAtStart: finished,
        read: (from, limit) => this.opts.db.read((r) => readEventsAfter(r, executionId, from, limit)),
        onRelease: () => {
          joined.followers.delete(follower);
          this.leave(executionId, joined);
        },
        onReadError: (err) => this.opts.logger.warn({ err, executionId }, "reading the event log failed; retrying"),
      });
      joined.followers.add(follower);
      return follower;
    } finally {
      joined.followers.delete(placeholder);
      this.leave(executionId, joined);
    }
  }

  private channelOf(executionId: string): ExecutionChannel {
    let channel = this.executions.get(executionId);
    if (!channel) {
      channel = new ExecutionChannel(this.opts.bus, executionId, this.opts.progressIntervalMs, this.opts.busGraceMs ?? DEFAULT_BUS_GRACE_MS);
      this.executions.set(executionId, channel);
    }
    return channel;
  }

  /** Closes the channel once nobody follows it. */
  private leave(executionId: string, channel: ExecutionChannel): void {
    if (!channel.idle) return;
    channel.close();
    if (this.executions.get(executionId) === channel) this.executions.delete(executionId);
  }

  /** `executionsChanged`: launches and status changes in the organization, optionally of one program. */
  async changes(organizationId: string, programId: string | null): Promise<AsyncIterableIterator<ProgramExecution>> {
    if (this.closed) throw new Error("shutting down");
    let channel = this.organizations.get(organizationId);
    if (!channel) {
      channel = new OrganizationChannel(this.opts.bus, organizationId, this.opts.clock.now(), this.opts.busGraceMs ?? DEFAULT_BUS_GRACE_MS);
      this.organizations.set(organizationId, channel);
      const created = channel;
      // Subscribe first, then take the baseline, as for executionProgress.
      created.ready = created.subscription.established.then(() => this.baseline(created));
    }
    const joined = channel;
    const watcher = new ChangesWatcher(
      programId,
      new SnapshotStream(() => {
        joined.watchers.delete(watcher);
        if (joined.watchers.size === 0) {
          joined.close();
          if (this.organizations.get(organizationId) === joined) this.organizations.delete(organizationId);
        }
      }),
    );
    joined.watchers.add(watcher);
    await settleWithin(joined.ready, this.establishTimeoutMs);
    return watcher.stream;
  }

  /** The executions and organizations this process follows (for tests and benches). */
  get followed(): { executions: string[]; organizations: string[] } {
    return { executions: [...this.executions.keys()], organizations: [...this.organizations.keys()] };
  }

  /**
   * Resolves once every organization feed started so far is subscribed and has its baseline. executionsChanged
   * sends nothing at start, so a test in this process uses this to know that a change made now will be seen.
   */
  async settled(): Promise<void> {
    await Promise.all([...this.organizations.values()].map((c) => c.ready));
  }

  /** Ends every feed; the HTTP service is stopped first, so the streams have no readers left. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    for (const channel of [...this.executions.values()]) {
      for (const w of [...channel.watchers]) w.stream.end();
      for (const f of [...channel.followers]) if (f instanceof EventFollower) f.end();
    }
    for (const channel of [...this.organizations.values()]) for (const w of [...channel.watchers]) w.stream.end();
  }

  /** One pass of "the database for truth" (what it finds still waits out the grace); the timer runs it every pollMs. */
  async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const ids = [...this.executions.keys()];
      for (let i = 0; i < ids.length; i += POLL_BATCH) {
        const batch = ids.slice(i, i + POLL_BATCH);
        const rows = await this.opts.db.read((r) => r.manager.findBy(ProgramExecution, { id: In(batch) }));
        for (const row of rows) this.executions.get(row.id)?.offerFromDatabase(row);
      }
      const orgs = [...this.organizations.keys()];
      for (let i = 0; i < orgs.length; i += POLL_BATCH) {
        const batch = orgs.slice(i, i + POLL_BATCH);
        const rows = await this.readOrganizations(batch);
        for (const id of batch) {
          const channel = this.organizations.get(id);
          if (!channel) continue;
          channel.reconcile(rows.filter((r) => r.organizationId === id));
        }
      }
    } catch (err) {
      this.opts.logger.warn({ err }, "re-reading followed executions failed");
    } finally {
      this.polling = false;
    }
  }

  private async baseline(channel: OrganizationChannel): Promise<void> {
    try {
      channel.reconcile(await this.readOrganizations([channel.organizationId]));
    } catch (err) {
      // The next poll takes the baseline instead.
      this.opts.logger.warn({ err }, "reading the organization's executions failed");
    }
  }

  /** The executions whose status may still change, and those finished recently. */
  private readOrganizations(organizationIds: string[]): Promise<ProgramExecution[]> {
    const since = this.opts.clock.now().getTime() - FINISHED_WINDOW_MS;
    return this.opts.db.read((r) =>
      r.manager
        .createQueryBuilder(ProgramExecution, "e")
        .where("e.organization_id IN (:...orgs)", { orgs: organizationIds })
        .andWhere("(e.actual_end_at IS NULL OR e.actual_end_at >= :since)", { since })
        .getMany(),
    );
  }
}

/** One subscriber of `executionsChanged`. */
class ChangesWatcher {
  constructor(
    private readonly programId: string | null,
    readonly stream: SnapshotStream,
  ) {}

  offer(snapshot: ProgramExecution): void {
    if (this.programId === null || snapshot.programId === this.programId) this.stream.push(snapshot);
  }
}

interface Known {
  status: ExecutionStatus;
  finished: boolean;
  /** The highest sequence seen, from the bus or the database. */
  sequence: number;
  /** The sequence last sent to the watchers: nothing older is sent after it. */
  sent: number;
}

/** Launches committed this close before a feed started still count as new (clocks of one host, commit latency). */
const NEW_LAUNCH_SLACK_MS = 1000;

/**
 * One organization followed in this process. It remembers the state of every execution that can still change, so
 * that a database read can tell a status change or a launch (to send) from counter movement (to ignore).
 */
class OrganizationChannel {
  readonly watchers = new Set<ChangesWatcher>();
  readonly subscription: BusSubscription;
  /** Settles once subscribed and the baseline is read (or failed; the next poll takes it then). */
  ready: Promise<void> = Promise.resolve();
  /** Whether a first database read told which executions existed; before it, an unknown row is not a launch. */
  private baselined = false;
  private readonly known = new Map<string, Known>();
  private graceTimer: NodeJS.Timeout | null = null;

  constructor(
    bus: EventBus,
    readonly organizationId: string,
    private readonly startedAt: Date,
    private readonly graceMs: number,
  ) {
    this.subscription = bus.subscribe(TOPICS.organization(organizationId), (e) => this.offer(e.execution, e.kind));
  }

  /** A bus event (labelled by its publisher) or a database row (kind null: judged against what was known). */
  offer(snapshot: ProgramExecution, kind: ExecutionChangeKind | null): void {
    const prev = this.known.get(snapshot.id);
    const newer = !prev || snapshot.sequence > prev.sequence;
    const sent = prev?.sent ?? 0;
    if (newer) this.known.set(snapshot.id, { status: snapshot.status, finished: isFinished(snapshot), sequence: snapshot.sequence, sent });
    let change: boolean;
    if (kind !== null) change = kind !== "progress";
    else if (prev) change = newer && (prev.status !== snapshot.status || prev.finished !== isFinished(snapshot));
    else change = this.baselined || snapshot.createdAt.getTime() >= this.startedAt.getTime() - NEW_LAUNCH_SLACK_MS;
    if (!change || snapshot.sequence <= sent) return;
    this.known.get(snapshot.id)!.sent = snapshot.sequence;
    for (const watcher of [...this.watchers]) watcher.offer(snapshot);
  }

  /**
   * A database read. The first is the baseline, taken as is; later ones send what the bus missed, after the grace
   * (see DEFAULT_BUS_GRACE_MS), and forget finished executions that left the window (they never change again).
   */
  reconcile(rows: ProgramExecution[]): void {
    const apply = () => {
      for (const row of rows) this.offer(row, null);
      this.baselined = true;
      const seen = new Set(rows.map((r) => r.id));
      for (const [id, state] of this.known) if (state.finished && !seen.has(id)) this.known.delete(id);
    };
    if (!this.baselined) return apply();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      this.graceTimer = null;
      apply();
    }, this.graceMs);
  }

  close(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.subscription.close();
  }
}

/** Waits for `promise`, but no longer than `ms`. */
function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
