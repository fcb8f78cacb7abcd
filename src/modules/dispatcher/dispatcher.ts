import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Db, Tx } from "../../db/db";
import type { ExecutionChangeKind, ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import { ExecutionContactStatus as C, ExecutionStatus as S, ProgramExecution } from "../execution/execution.entity";
import { TERMINAL_STATUSES } from "../execution/execution-lifecycle";
import {
  moveCounters,
  readExecution,
  readExecutionForUpdate,
  settleExecution,
  skipPendingContacts,
  transitionExecution,
} from "../execution/execution.store";
import type { RetryStrategy } from "../program/retry-strategy.types";
import type { TelephonyProvider } from "../telephony/telephony.provider";
import {
  AttemptRecord,
  claimDueContacts,
  closeOpenAttempts,
  ContactFields,
  ContactMove,
  hasExpiredLeases,
  listUnfinishedExecutions,
  lockExpiredContacts,
  lockOwnContacts,
  moveInProgressContacts,
  readContactFields,
  readOwnContacts,
  recordAttempts,
  renewLeases,
  skipRetries,
  UnfinishedExecution,
} from "./dispatch.store";
import { FlowCache } from "./flow-cache";
import { AttemptResult, runCallFlow } from "./flow-interpreter";
import { decideAfterAttempt } from "./retry-policy";

export interface DispatcherOptions {
  db: Db;
  clock: Clock;
  provider: TelephonyProvider;
  events: ExecutionEventPublisher;
  logger: Logger;
  /** Loop interval when idle (VOICECAST_POLL_MS). */
  pollMs: number;
  /** Lease on a claimed contact (VOICECAST_LEASE_MS); renewed every third of it. */
  leaseMs: number;
  /** How long stop() lets calls in progress run (VOICECAST_DRAIN_MS). */
  drainMs: number;
  /** Owner id stamped on claimed contacts; unique per process start. */
  id?: string;
  /** Calls (running or awaiting their completion write) this process holds at most, all executions together. */
  maxInFlight?: number;
  /** Contacts one claim transaction takes at most. */
  claimBatch?: number;
  /** Finished calls one completion transaction records at most. */
  completionBatch?: number;
}

/** A contact this process claimed and has not yet released: its call runs, or its result awaits the write. */
interface Held {
  executionId: string;
  contactId: string;
  attemptNumber: number;
  callId: string;
  startedAt: number;
  /** Our estimate of the lease expiry written in the database (never later than the real one). */
  leaseUntil: number;
  controller: AbortController;
}

interface Finished {
  held: Held;
  result: AttemptResult;
  tries: number;
}

/** A completion write that keeps failing is given up after this many tries: the lease runs out and the scheduler records the attempt. */
const MAX_COMPLETION_TRIES = 5;
/** Contacts the scheduler reclaims per execution and transaction. */
const RECLAIM_BATCH = 500;
/** Contact ids per lease-renewal statement. */
const RENEW_CHUNK = 1000;

/**
 * The dispatcher role (DESIGN.md "Processes and the path of one contact"): a loop that runs the scheduler
 * (start, stop, complete, reclaim expired leases) and claims due contacts in batches, calls that run through the
 * flow interpreter, and a writer that records finished calls in batches. Any number of dispatchers may share one
 * MySQL database: every move is a compare-and-set, and caps hold because claims lock the execution row.
 */
export class Dispatcher {
  readonly id: string;
  private readonly log: Logger;
  private readonly flows: FlowCache;
  private readonly maxInFlight: number;
  private readonly claimBatch: number;
  private readonly completionBatch: number;

  /** executionId → contactId → held contact. */
  private readonly held = new Map<string, Map<string, Held>>();
  private heldCount = 0;
  private readonly calls = new Set<Promise<void>>();
  private finished: Finished[] = [];
  private flushing: Promise<void> | null = null;

  private loop: Promise<void> | null = null;
  private draining = false;
  private stopped: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  /** A wake-up that came while the loop was busy: the next idle() returns at once. */
  private woken = false;
  private renewTimer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  private roundRobin = 0;
  private lastReclaimCheck = 0;

  constructor(private readonly o: DispatcherOptions) {
    this.id = (o.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`).slice(0, 64);
    this.log = o.logger.child({ dispatcher: this.id });
    this.flows = new FlowCache(o.db);
    this.maxInFlight = o.maxInFlight ?? 10_000;
    this.claimBatch = o.claimBatch ?? 500;
    this.completionBatch = o.completionBatch ?? 500;
  }

  /** Calls running or awaiting their completion write. */
  get inFlight(): number {
    return this.heldCount;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
    this.renewTimer = setInterval(() => this.renewAll(), Math.max(10, Math.floor(this.o.leaseMs / 3)));
    this.log.info("dispatcher started");
  }

  /**
   * Drains: no new claims; calls in progress run to their end for up to drainMs and are recorded; calls still
   * running then are aborted and not recorded (their leases run out and any dispatcher's scheduler records them).
   */
  stop(): Promise<void> {
    return (this.stopped ??= this.drain());
  }

  private async drain(): Promise<void> {
    this.draining = true;
    this.wake();
    await this.loop;
    if (this.calls.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.drainMs)));
      await Promise.race([Promise.allSettled([...this.calls]), timeout]);
      clearTimeout(timer);
      if (this.calls.size > 0) {
        this.log.warn({ calls: this.calls.size }, "drain time is up: aborting calls in progress");
        for (const byContact of this.held.values()) for (const h of byContact.values()) h.controller.abort(new Error("dispatcher stopped"));
        await Promise.allSettled([...this.calls]);
      }
    }
    while (this.flushing) await this.flushing;
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.renewing;
    this.log.info("dispatcher stopped");
  }

  // ---- loop -------------------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    while (!this.draining) {
      let busy = false;
      try {
        busy = await this.tick();
      } catch (err) {
        this.log.error({ err }, "dispatcher tick failed");
      }
      if (!busy && !this.draining) await this.idle(this.o.pollMs);
    }
  }

  /** Sleeps until the next poll, or earlier when a completion frees capacity. */
  private idle(ms: number): Promise<void> {
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

  /** Ends idle() now, or makes the next one return at once. */
  private wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /** One pass of scheduler and claims; answers whether it claimed anything (then it runs again at once). */
  private async tick(): Promise<boolean> {
    this.woken = false; // what this pass reads is newer than any wake-up so far
    const executions = await this.o.db.read((r) => listUnfinishedExecutions(r));
    const now = this.o.clock.now().getTime();
    for (const e of executions) {
      if (this.draining) return false;
      try {
        await this.schedule(e, now);
      } catch (err) {
        this.log.error({ err, executionId: e.id }, "scheduler step failed");
      }
    }
    // Leases are long compared to the poll: looking for expired ones a few times per lease is enough.
    if (now - this.lastReclaimCheck >= Math.min(this.o.leaseMs / 4, 1000)) {
      this.lastReclaimCheck = now;
      for (const e of executions) {
        if (this.draining) return false;
        if (e.contactsInProgress === 0) continue;
        try {
          await this.reclaimExpired(e.id);
        } catch (err) {
          this.log.error({ err, executionId: e.id }, "reclaim failed");
        }
      }
    }
    return this.claimAll(executions, now);
  }

  /** Time-driven moves of one execution; updates `e.status` when it moved it. */
  private async schedule(e: UnfinishedExecution, now: number): Promise<void> {
    if (e.status === S.SCHEDULED && e.scheduledStartAt <= now) {
      if (await this.transition(e.id, "start")) e.status = S.RUNNING;
    }
    if ((e.status === S.RUNNING || e.status === S.PAUSED) && e.scheduledStopAt !== null && e.scheduledStopAt <= now) {
      if (await this.transition(e.id, "stop")) e.status = S.STOPPED;
    }
    const done =
      (e.status === S.RUNNING && e.contactsPending === 0 && e.contactsInProgress === 0) ||
      (TERMINAL_STATUSES.includes(e.status) && e.contactsInProgress === 0);
    if (done) {
      await this.o.db.transaction(async (tx) => {
        const at = this.o.clock.now();
        if (await settleExecution(tx, e.id, at)) await this.publishAfterCommit(tx, e.id, "status");
      });
    }
  }

  /** start (scheduled → running) or stop (pending contacts skipped, calls in progress finish). */
  private transition(id: string, action: "start" | "stop"): Promise<boolean> {
    return this.o.db.transaction(async (tx) => {
      const at = this.o.clock.now();
      if (!(await transitionExecution(tx, id, action, at))) return false;
      if (action === "stop") {
        await skipPendingContacts(tx, id, at);
        await settleExecution(tx, id, at);
      }
      await this.publishAfterCommit(tx, id, "status");
      this.log.info({ executionId: id, action }, "execution moved by the scheduler");
      return true;
    });
  }

  // ---- claims -----------------------------------------------------------------------------------------------

  /** One claim per running execution with room, in an order that rotates every pass (fair across executions). */
  private async claimAll(executions: UnfinishedExecution[], now: number): Promise<boolean> {
    const eligible = executions.filter(
      (e) =>
        e.status === S.RUNNING &&
        e.contactsPending > 0 &&
        e.contactsInProgress < e.maxConcurrentCalls &&
        (e.scheduledStopAt === null || e.scheduledStopAt > now),
    );
    let budget = this.maxInFlight - this.heldCount;
    if (eligible.length === 0 || budget <= 0) return false;
    const first = this.roundRobin++ % eligible.length;
    const order = [...eligible.slice(first), ...eligible.slice(0, first)];
    const share = Math.max(1, Math.ceil(budget / order.length));
    let claimed = 0;
    for (const e of order) {
      if (this.draining || budget <= 0) break;
      const want = Math.min(share, budget, this.claimBatch, e.maxConcurrentCalls - e.contactsInProgress);
      try {
        const n = await this.claim(e.id, want);
        budget -= n;
        claimed += n;
      } catch (err) {
        this.log.error({ err, executionId: e.id }, "claim failed");
      }
    }
    return claimed > 0;
  }

  /**
   * One claim transaction: lock the execution row, re-read its status, stop time and contacts in progress under
   * the lock, claim at most the room left, move the counters, and stamp actual_start_at on the first call.
   */
  private async claim(executionId: string, want: number): Promise<number> {
    const claim = await this.o.db.transaction(async (tx) => {
      const exec = await readExecutionForUpdate(tx, executionId);
      if (!exec || this.draining || exec.status !== S.RUNNING) return null;
      const now = this.o.clock.now();
      if (exec.scheduledStopAt && exec.scheduledStopAt.getTime() <= now.getTime()) return null;
      const room = Math.min(want, exec.maxConcurrentCalls - exec.contactsInProgress);
      if (room <= 0) return null;
      const leaseUntil = now.getTime() + this.o.leaseMs;
      const contacts = await claimDueContacts(tx, executionId, room, now.getTime(), leaseUntil, this.id);
      if (contacts.length === 0) return null;
      await moveCounters(tx, executionId, { [C.PENDING]: -contacts.length, [C.IN_PROGRESS]: contacts.length }, now, "actual_start_at = COALESCE(actual_start_at, ?)", [
        now.getTime(),
      ]);
      await this.publishAfterCommit(tx, executionId, "progress");
      return { exec, contacts, startedAt: now.getTime(), leaseUntil };
    });
    if (!claim) return 0;

    const held = claim.contacts.map((c) =>
      this.hold({ executionId, contactId: c.contactId, attemptNumber: c.attemptNumber, callId: c.callId, startedAt: claim.startedAt, leaseUntil: claim.leaseUntil }),
    );
    let fields = new Map<string, ContactFields>();
    try {
      // The flow is cached; contacts are read only when it uses more of them than the snapshot's phone.
      if ((await this.flows.get(claim.exec.flowId, claim.exec.flowVersion)).readsContact) {
        fields = await this.o.db.read((r) => readContactFields(r, claim.contacts.map((c) => c.contactId)));
      }
    } catch (err) {
      // The calls still run: a missing flow is recorded on each attempt, a failed read leaves the fields empty.
      this.log.error({ err, executionId }, "could not read the flow or the contacts' fields");
    }
    claim.contacts.forEach((c, i) => this.startCall(held[i], claim.exec, c.phone, fields.get(c.contactId)));
    return claim.contacts.length;
  }

  private hold(h: Omit<Held, "controller">): Held {
    let byContact = this.held.get(h.executionId);
    if (!byContact) this.held.set(h.executionId, (byContact = new Map()));
    // Still holding an older attempt of this contact means its lease was lost here: that call must end now.
    const stale = byContact.get(h.contactId);
    if (stale) this.release(stale, new Error("lease lost"));
    const entry: Held = { ...h, controller: new AbortController() };
    byContact.set(h.contactId, entry);
    this.heldCount++;
    return entry;
  }

  /** Forgets a held contact (after its completion committed, or when it is left to its lease); aborts a running call. */
  private release(h: Held, abortReason?: Error): void {
    if (abortReason && !h.controller.signal.aborted) h.controller.abort(abortReason);
    const byContact = this.held.get(h.executionId);
    if (byContact?.get(h.contactId) !== h) return;
    byContact.delete(h.contactId);
    if (byContact.size === 0) this.held.delete(h.executionId);
    this.heldCount--;
  }

  // ---- calls ------------------------------------------------------------------------------------------------

  private startCall(h: Held, exec: ProgramExecution, phone: string, fields: ContactFields | undefined): void {
    const call = this.runCall(h, exec, phone, fields).finally(() => this.calls.delete(call));
    this.calls.add(call);
  }

  private async runCall(h: Held, exec: ProgramExecution, phone: string, fields: ContactFields | undefined): Promise<void> {
    let result: AttemptResult;
    try {
      const { flow } = await this.flows.get(exec.flowId, exec.flowVersion);
      result = await runCallFlow({
        provider: this.o.provider,
        flow,
        contact: {
          id: h.contactId,
          phone,
          firstName: fields?.firstName ?? null,
          lastName: fields?.lastName ?? null,
          email: fields?.email ?? null,
          customAttributes: fields?.customAttributes ?? {},
        },
        callId: h.callId,
        programId: exec.programId,
        executionId: h.executionId,
        attemptNumber: h.attemptNumber,
        signal: h.controller.signal,
        clock: this.o.clock,
      });
    } catch (err) {
      // The interpreter never throws for what a call does; this is a missing flow version or a bug. The attempt
      // still counts, as a failed one, so the retry strategy decides what happens next.
      this.log.error({ err, executionId: h.executionId, contactId: h.contactId }, "call could not run");
      result = { outcome: "failed", failureReason: "internal_error", flowOutcome: null, answeredAt: null, endedAt: this.o.clock.now(), path: [], variables: {} };
    }
    // Aborted (drain timeout, lost lease): not recorded here; the lease runs out and a scheduler records it.
    if (h.controller.signal.aborted) {
      this.release(h);
      return;
    }
    this.finished.push({ held: h, result, tries: 0 });
    this.flushSoon();
  }

  // ---- completions ------------------------------------------------------------------------------------------

  /** Starts the writer if idle. It takes whatever finished meanwhile, so batches grow with the call rate. */
  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      if (this.finished.length > 0) this.flushSoon();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the calls that end in this same turn of the event loop join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.finished.length > 0) {
      const batch = this.finished.splice(0, this.completionBatch);
      try {
        await this.complete(batch);
        for (const f of batch) this.release(f.held);
        this.wake(); // room for new claims
      } catch (err) {
        const retry = batch.filter((f) => ++f.tries < MAX_COMPLETION_TRIES);
        for (const f of batch) if (f.tries >= MAX_COMPLETION_TRIES) this.release(f.held);
        this.log.error({ err, calls: batch.length, givenUp: batch.length - retry.length }, "recording finished calls failed");
        this.finished.unshift(...retry);
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, this.o.pollMs * 2 ** Math.max(...batch.map((f) => f.tries)))));
      }
    }
  }

  /**
   * One completion transaction for a batch of finished calls, per execution (in id order). For each: lock the
   * contacts this process still holds with the same attempt (a contact reclaimed after its lease expired is not
   * completed twice), decide with the retry strategy snapshot, move the contacts and write the attempts, and only
   * then lock the execution row, briefly, to move its counters and settle; claims for the execution (which hold
   * that lock while they run) proceed meanwhile. Published after commit.
   */
  private async complete(batch: Finished[]): Promise<void> {
    const byExecution = new Map<string, Finished[]>();
    for (const f of batch) {
      const list = byExecution.get(f.held.executionId);
      if (list) list.push(f);
      else byExecution.set(f.held.executionId, [f]);
    }
    const ids = [...byExecution.keys()].sort();
    const dropped = await this.o.db.transaction(async (tx) => {
      let lost = 0;
      for (const executionId of ids) {
        const items = byExecution.get(executionId)!;
        const own = await lockOwnContacts(tx, executionId, items.map((f) => f.held.contactId), this.id);
        const valid = items.filter((f) => own.get(f.held.contactId) === f.held.attemptNumber);
        lost += items.length - valid.length;
        if (valid.length === 0) continue;
        const before = (await readExecution(tx, executionId))!;
        const moves = valid.map((f) => decideMove(before.retryStrategy, before.status, f.held.contactId, f.held.attemptNumber, f.result.outcome, f.result.endedAt));
        const delta = await moveInProgressContacts(tx, executionId, moves, { claimedBy: this.id });
        if (-(delta[C.IN_PROGRESS] ?? 0) !== valid.length) throw new Error(`completion moved ${-(delta[C.IN_PROGRESS] ?? 0)} of ${valid.length} locked contacts`);
        await recordAttempts(tx, valid.map(({ held, result }) => attemptRecord(held, result)));

        const exec = (await readExecutionForUpdate(tx, executionId))!;
        // Cancelled or stopped since `before` was read: its pending contacts were skipped without the ones this
        // transaction put back to pending, so a retry still due makes them skipped here.
        if (isStopped(exec.status) && !isStopped(before.status)) {
          const n = await skipRetries(tx, executionId, moves.filter((m) => m.to === C.PENDING).map((m) => m.contactId));
          delta[C.PENDING] = (delta[C.PENDING] ?? 0) - n;
          delta[C.SKIPPED] = (delta[C.SKIPPED] ?? 0) + n;
        }
        const now = this.o.clock.now();
        await moveCounters(tx, executionId, delta, now);
        await this.settleAndPublish(tx, executionId, now);
      }
      return lost;
    });
    if (dropped > 0) this.log.warn({ calls: dropped }, "results of calls whose lease was lost were not recorded (their contacts were reclaimed)");
  }

  // ---- leases -----------------------------------------------------------------------------------------------

  /**
   * Extends the leases of everything this process holds (one statement per execution and chunk). A contact that
   * is no longer ours, or whose lease may already have run out, has its call ended at once, so that no contact
   * is ever in two calls.
   */
  private renewAll(): void {
    if (this.renewing || this.heldCount === 0) return;
    this.renewing = (async () => {
      const now = this.o.clock.now().getTime();
      for (const [executionId, byContact] of [...this.held]) {
        for (const h of byContact.values()) if (h.leaseUntil <= now) this.release(h, new Error("lease expired"));
        const entries = [...byContact.values()];
        const leaseUntil = now + this.o.leaseMs;
        try {
          for (let i = 0; i < entries.length; i += RENEW_CHUNK) {
            const chunk = entries.slice(i, i + RENEW_CHUNK);
            const ids = chunk.map((h) => h.contactId);
            const renewed = await this.o.db.transaction((tx) => renewLeases(tx, executionId, ids, this.id, leaseUntil));
            if (renewed === chunk.length) {
              for (const h of chunk) h.leaseUntil = leaseUntil;
              continue;
            }
            // Some are no longer ours: reclaimed after a stall, or just completed by our own writer (then releasing
            // them again is a no-op).
            const own = await this.o.db.read((r) => readOwnContacts(r, executionId, ids, this.id));
            for (const h of chunk) {
              if (own.get(h.contactId) === h.attemptNumber) h.leaseUntil = leaseUntil;
              else this.release(h, new Error("lease lost"));
            }
          }
        } catch (err) {
          this.log.error({ err, executionId }, "lease renewal failed");
        }
      }
    })()
      .catch((err) => this.log.error({ err }, "lease renewal failed"))
      .finally(() => (this.renewing = null));
  }

  /**
   * Reclaims contacts of one execution whose lease expired (their dispatcher died or stalled): the lost attempt is
   * closed as failed (`lease_expired`) and the retry strategy decides what happens to the contact.
   */
  private async reclaimExpired(executionId: string): Promise<void> {
    if (!(await this.o.db.read((r) => hasExpiredLeases(r, executionId, this.o.clock.now().getTime())))) return;
    const reclaimed = await this.o.db.transaction(async (tx) => {
      const exec = await readExecutionForUpdate(tx, executionId);
      if (!exec) return [];
      const now = this.o.clock.now();
      const expired = await lockExpiredContacts(tx, executionId, now.getTime(), RECLAIM_BATCH);
      if (expired.size === 0) return [];
      const moves = [...expired].map(([contactId, attempts]) => decideMove(exec.retryStrategy, exec.status, contactId, Math.max(1, attempts), "failed", now));
      const delta = await moveInProgressContacts(tx, executionId, moves, { leaseExpiredBefore: now.getTime() });
      await closeOpenAttempts(tx, executionId, [...expired.keys()], now.getTime(), "lease_expired");
      await moveCounters(tx, executionId, delta, now);
      await this.settleAndPublish(tx, executionId, now);
      return [...expired];
    });
    if (reclaimed.length === 0) return;
    this.log.warn({ executionId, contacts: reclaimed.length }, "reclaimed contacts whose lease expired");
    // If any of them were ours (this process stalled past its lease), their calls must end now.
    const byContact = this.held.get(executionId);
    for (const [contactId, attempts] of reclaimed) {
      const h = byContact?.get(contactId);
      if (h && h.attemptNumber === attempts) this.release(h, new Error("lease lost"));
    }
    this.wake();
  }

  // ---- publishing -------------------------------------------------------------------------------------------

  /** Settles the execution if nothing is left for it, then publishes its snapshot after commit. */
  private async settleAndPublish(tx: Tx, id: string, now: Date): Promise<void> {
    let snapshot = (await readExecution(tx, id))!;
    let kind: ExecutionChangeKind = "progress";
    const settleable =
      snapshot.contactsInProgress === 0 &&
      ((snapshot.status === S.RUNNING && snapshot.contactsPending === 0) || (TERMINAL_STATUSES.includes(snapshot.status) && snapshot.actualEndAt === null));
    if (settleable && (await settleExecution(tx, id, now))) {
      snapshot = (await readExecution(tx, id))!;
      kind = "status";
    }
    tx.afterCommit(() => this.o.events.publishExecution(snapshot, kind));
  }

  private async publishAfterCommit(tx: Tx, id: string, kind: ExecutionChangeKind): Promise<void> {
    const snapshot = (await readExecution(tx, id))!;
    tx.afterCommit(() => this.o.events.publishExecution(snapshot, kind));
  }
}

function isStopped(status: S): boolean {
  return status === S.CANCELLED || status === S.STOPPED;
}

function attemptRecord(h: Held, r: AttemptResult): AttemptRecord {
  return {
    id: h.callId,
    executionId: h.executionId,
    contactId: h.contactId,
    attemptNumber: h.attemptNumber,
    startedAt: h.startedAt,
    outcome: r.outcome,
    failureReason: r.failureReason,
    flowOutcome: r.flowOutcome,
    answeredAt: r.answeredAt?.getTime() ?? null,
    endedAt: r.endedAt.getTime(),
    durationMs: Math.max(0, r.endedAt.getTime() - h.startedAt),
    path: r.path,
    variables: r.variables,
  };
}

/**
 * Where a contact goes after an attempt: the retry strategy's decision, except that after a cancel or stop a
 * retry that is still due makes the contact skipped (it has no final outcome and never will).
 */
export function decideMove(strategy: RetryStrategy, status: S, contactId: string, attemptNumber: number, outcome: AttemptResult["outcome"], endedAt: Date): ContactMove {
  const decision = decideAfterAttempt(strategy, attemptNumber, outcome, endedAt);
  switch (decision.kind) {
    case "completed":
      return { contactId, to: C.COMPLETED, outcome, nextAttemptAt: null };
    case "failed":
      return { contactId, to: C.FAILED, outcome, nextAttemptAt: null };
    case "retry":
      return isStopped(status)
        ? { contactId, to: C.SKIPPED, outcome, nextAttemptAt: null }
        : { contactId, to: C.PENDING, outcome, nextAttemptAt: decision.nextAttemptAt.getTime() };
  }
}
