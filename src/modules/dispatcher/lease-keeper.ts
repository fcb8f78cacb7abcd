import { type Db, isConnectionError } from "../../db/db";
import type { ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import * as metrics from "../../shared/metrics";
import { finishIfDone, moveCounters, publishAfterCommit, readExecutionForUpdate } from "../execution/execution.store";
import { Carrier, LIVE_STATUSES } from "../telephony/carrier";
import { outcomeOf } from "../telephony/twilio/twilio-status";
import { appendEvents, NewEvent } from "../events/event-log";
import { decideMove, moveEvents, skipReasonOf } from "./completion";
import type { CompletionWriter } from "./completion-writer";
import { closeOpenAttempts, ExpiredClaim, hasExpiredClaims, lockExpiredClaims, markPlaced, moveInProgressContacts, readLiveClaims, renewLeases } from "./dispatch.store";
import type { Holdings } from "./holdings";

/** Claims reclaimed per execution and transaction. */
const RECLAIM_BATCH = 500;
/** Claim tokens per renewal statement. */
const RENEW_CHUNK = 1000;
/** Silent carrier calls looked up per pass. */
const LOOKUP_BATCH = 100;

export interface LeaseKeeperOptions {
  db: Db;
  clock: Clock;
  events: ExecutionEventPublisher;
  logger: Logger;
  holdings: Holdings;
  leaseMs: number;
  completions: CompletionWriter;
  /** Set when calls run on a carrier: placed calls are then asked about instead of reclaimed on a lease. */
  carrier: Carrier | null;
}

/**
 * Leases, not trust: renews the leases of what this process holds (and ends any call whose claim it lost), reclaims
 * claims whose dispatcher died before placing their call (the lost attempt counts as a failed one), and asks the
 * carrier about placed calls that went silent, before anything is decided about them.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;

  constructor(private readonly o: LeaseKeeperOptions) {}

  start(): void {
    this.timer ??= setInterval(() => this.renewAll(), Math.max(10, Math.floor(this.o.leaseMs / 3)));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewing;
  }

  /** Extends every held lease; a claim that is no longer ours, or whose lease may have run out, has its call ended. */
  renewAll(): void {
    if (this.renewing || this.o.holdings.size === 0) return;
    this.renewing = this.renew()
      // An unreachable database is logged once per outage by Db.
      .catch((err) => {
        if (!isConnectionError(err)) this.o.logger.error({ err }, "lease renewal failed");
      })
      .finally(() => (this.renewing = null));
  }

  private async renew(): Promise<void> {
    const { holdings, leaseMs } = this.o;
    for (const [executionId, held] of holdings.executions()) {
      const now = Date.now();
      for (const h of held) if (h.leaseUntil <= now) holdings.release(h, new Error("lease expired"));
      const live = held.filter((h) => !h.controller.signal.aborted);
      for (let i = 0; i < live.length; i += RENEW_CHUNK) {
        const chunk = live.slice(i, i + RENEW_CHUNK);
        const tokens = chunk.map((h) => h.attemptId);
        const leaseUntil = Date.now() + leaseMs;
        const renewed = await this.o.db.transaction((tx) => renewLeases(tx, executionId, tokens, leaseMs));
        if (renewed === chunk.length) {
          for (const h of chunk) h.leaseUntil = leaseUntil;
          continue;
        }
        // Some are no longer ours (reclaimed after a stall, completed by a late answer) or were just placed or written.
        const still = await this.o.db.read((r) => readLiveClaims(r, executionId, tokens));
        for (const h of chunk) {
          if (still.has(h.attemptId)) h.leaseUntil = leaseUntil;
          else holdings.release(h, new Error("lease lost"));
        }
      }
    }
  }

  /**
   * Reclaims the expired claims of one execution. With a carrier, a claim whose create request may have reached it
   * is looked up first (by number and time): a call found is adopted as placed, so nobody rings twice.
   */
  async reclaimExpired(executionId: string): Promise<void> {
    if (!(await this.o.db.read((r) => hasExpiredClaims(r, executionId)))) return;
    // With a carrier: call id of each expired claim's call if the carrier has it; undefined when it could not say.
    const found = new Map<string, string | undefined>();
    if (this.o.carrier) {
      const candidates = await this.o.db.transaction((tx) => lockExpiredClaims(tx, executionId, RECLAIM_BATCH));
      for (const c of candidates) found.set(c.attemptId, await this.lookUp(c));
    }
    const reclaimed = await this.o.db.transaction(async (tx) => {
      const exec = await readExecutionForUpdate(tx, executionId);
      if (!exec) return [];
      const now = this.o.clock.now();
      const expired = await lockExpiredClaims(tx, executionId, RECLAIM_BATCH);
      const placed = expired.filter((c) => found.get(c.attemptId));
      await markPlaced(tx, executionId, placed.map((c) => ({ executionId, contactId: c.contactId, attemptId: c.attemptId, providerCallId: found.get(c.attemptId)!, flowState: null })));
      // With a carrier, only what it said it does not have (a claim not asked about yet waits for the next pass).
      const lost = expired.filter((c) => (this.o.carrier ? found.get(c.attemptId) === "" : true));
      if (lost.length === 0) return [];
      const moves = lost.map((c) => decideMove(exec.retryStrategy, exec.status, c.contactId, Math.max(1, c.attempts), "failed", now));
      const delta = await moveInProgressContacts(tx, executionId, moves, skipReasonOf(exec.status));
      const closed = await closeOpenAttempts(tx, lost.map((c) => c.attemptId), now.getTime(), "lease_expired");
      tx.afterCommit(() => {
        metrics.leaseReclaimed(lost.length);
        metrics.attemptsFinished("failed", closed);
      });
      await moveCounters(tx, executionId, delta, now);
      const { statusOf, events } = moveEvents(moves, skipReasonOf(exec.status));
      const finishedAttempts: NewEvent[] = lost.map((c) => ({
        type: "attempt.finished",
        data: { contactId: c.contactId, attemptNumber: Math.max(1, c.attempts), outcome: "failed", failureReason: "lease_expired", contactStatus: statusOf.get(c.contactId) ?? null },
      }));
      await appendEvents(tx, executionId, [...finishedAttempts, ...events], now);
      const finished = await finishIfDone(tx, executionId, now);
      await publishAfterCommit(tx, this.o.events, executionId, finished ? "status" : "progress");
      return lost;
    });
    if (reclaimed.length === 0) return;
    this.o.logger.warn({ executionId, contacts: reclaimed.length }, "reclaimed contacts whose lease expired");
    // If any of them were ours (this process stalled past its lease), their calls must end now.
    for (const c of reclaimed) {
      const h = this.o.holdings.get(executionId, c.contactId);
      if (h?.attemptId === c.attemptId) this.o.holdings.release(h, new Error("lease lost"));
    }
  }

  /** The carrier's call id for an expired claim: "" when it has no such call, undefined when it could not say. */
  private async lookUp(c: ExpiredClaim): Promise<string | undefined> {
    try {
      return (await this.o.carrier!.findCall(c.phone, new Date(c.startedAt)))?.id ?? "";
    } catch (err) {
      this.o.logger.warn({ err, attemptId: c.attemptId }, "could not look up an expired claim at the carrier; trying again later");
      return undefined;
    }
  }

  /**
   * Placed carrier calls of which nothing was heard for a lease are looked up: still live → wait again; finished →
   * recorded as the carrier says; unknown to the carrier → failed / lease_expired. A compare-and-set on the last
   * sign of life makes one dispatcher ask about each call.
   */
  async checkSilentCalls(): Promise<void> {
    const carrier = this.o.carrier;
    if (!carrier) return;
    const { db, leaseMs } = this.o;
    const silent = await db.read((r) =>
      r.query<Record<string, unknown>>(
        `SELECT id, execution_id, provider_call_id, last_event_at FROM call_attempts
         WHERE outcome IS NULL AND last_event_at < ${r.dialect.nowMs} - ? AND provider_call_id IS NOT NULL LIMIT ${LOOKUP_BATCH}`,
        [leaseMs],
      ),
    );
    for (const row of silent) {
      const id = String(row.id);
      const mine = await db.transaction((tx) =>
        tx.execute(`UPDATE call_attempts SET last_event_at = ${tx.dialect.nowMs} WHERE id = ? AND outcome IS NULL AND last_event_at = ?`, [id, row.last_event_at]),
      );
      if (mine !== 1) continue;
      try {
        const call = await carrier.fetchCall(String(row.provider_call_id));
        if (call && LIVE_STATUSES.includes(call.status)) continue;
        const result = call ? outcomeOf(call.status, call.answeredBy) : { outcome: "failed" as const, failureReason: "lease_expired" };
        this.o.completions.push({ attemptId: id, executionId: String(row.execution_id), ...result, endedAt: call?.endedAt ?? this.o.clock.now(), flow: "stored" });
        this.o.logger.warn({ attemptId: id, status: call?.status ?? "unknown" }, "a silent call was looked up at the carrier");
      } catch (err) {
        this.o.logger.warn({ err, attemptId: id }, "could not look up a silent call at the carrier; asking again after a lease");
      }
    }
  }
}
