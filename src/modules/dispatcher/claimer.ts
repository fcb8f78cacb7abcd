import type { Db } from "../../db/db";
import type { ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import { ExecutionContactStatus as C, ExecutionStatus as S, ProgramExecution } from "../execution/execution.entity";
import type { Logger } from "../../shared/logger";
import * as metrics from "../../shared/metrics";
import { EmptyDidPoolError } from "../did/did.service";
import { moveCounters, publishAfterCommit, readExecutionForUpdate, changeStatus } from "../execution/execution.store";
import { pickCallerIds } from "./caller-ids";
import { ClaimedContact, claimDueContacts } from "./dispatch.store";

export interface Claim {
  exec: ProgramExecution;
  contacts: Array<ClaimedContact & { fromNumber: string }>;
  startedAt: number;
  /** Our estimate of the leases' expiry (never later than the database's). */
  leaseUntil: number;
}

export interface ClaimerOptions {
  db: Db;
  clock: Clock;
  events: ExecutionEventPublisher;
  logger: Logger;
  leaseMs: number;
  /** Owner stamped on claims. */
  owner: string;
  /** Caller ID when a program has no DID pool; null: a DID is required (carriers). */
  fallbackCallerId: string | null;
}

/**
 * Claims due contacts of one running execution in one transaction: lock the execution row, re-read its status,
 * stop time and calls in progress under the lock, claim at most the room left under its cap, pick caller IDs,
 * move the counters and stamp `actual_start_at` on the first call. Publishes after commit.
 */
export class Claimer {
  constructor(private readonly o: ClaimerOptions) {}

  async claim(executionId: string, want: number): Promise<Claim | null> {
    try {
      return await this.claimIn(executionId, want);
    } catch (err) {
      if (!(err instanceof EmptyDidPoolError)) throw err;
      // Every DID of the pool was deactivated or removed mid-run: not the contacts' fault.
      this.o.logger.error({ executionId, err }, "no active caller ID to call from: pausing the execution");
      await this.o.db.transaction(async (tx) => {
        if (await changeStatus(tx, executionId, "pause", this.o.clock.now(), "provider")) await publishAfterCommit(tx, this.o.events, executionId, "status");
      });
      return null;
    }
  }

  private async claimIn(executionId: string, want: number): Promise<Claim | null> {
    const leaseUntil = Date.now() + this.o.leaseMs;
    const started = performance.now();
    const claim = await this.o.db.transaction(async (tx): Promise<Claim | null> => {
      const exec = await readExecutionForUpdate(tx, executionId);
      if (!exec || exec.status !== S.RUNNING) return null;
      const now = this.o.clock.now();
      if (exec.scheduledStopAt && exec.scheduledStopAt.getTime() <= now.getTime()) return null;
      const room = Math.min(want, exec.maxConcurrentCalls - exec.contactsInProgress);
      if (room <= 0) return null;
      let from: string[] = [];
      const contacts = await claimDueContacts(tx, executionId, room, now.getTime(), this.o.leaseMs, this.o.owner, async (phones) => {
        from = await pickCallerIds(tx, exec, phones, now.getTime(), this.o.fallbackCallerId);
        return from;
      });
      if (contacts.length === 0) return null;
      await moveCounters(tx, executionId, { [C.PENDING]: -contacts.length, [C.IN_PROGRESS]: contacts.length }, now, "actual_start_at = COALESCE(actual_start_at, ?)", [now.getTime()]);
      await publishAfterCommit(tx, this.o.events, executionId, "progress");
      return { exec, contacts: contacts.map((c, i) => ({ ...c, fromNumber: from[i] })), startedAt: now.getTime(), leaseUntil };
    });
    if (claim) metrics.claimBatch(claim.contacts.length, (performance.now() - started) / 1000);
    return claim;
  }
}
