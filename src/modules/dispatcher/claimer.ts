import type { Db } from "../../db/db";
import type { ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import { ExecutionContactStatus as C, ExecutionStatus as S, ProgramExecution, SkipReason } from "../execution/execution.entity";
import type { Logger } from "../../shared/logger";
import * as metrics from "../../shared/metrics";
import { EmptyDidPoolError } from "../did/did.service";
import { changeStatus, finishIfDone, moveCounters, publishAfterCommit, readExecutionForUpdate } from "../execution/execution.store";
import { pickCallerIds } from "./caller-ids";
import { appendEvents } from "../events/event-log";
import { listedNumbers } from "../dnc/dnc.service";
import { claimScope, organizationCallsInProgress, readOrganizationRules, ZoneGroups } from "./claim-rules";
import { ClaimedContact, claimSelected, DueContact, selectDue, skipListed } from "./dispatch.store";

/** The execution to claim from and its organization (whose row is locked first when it caps calls). */
export interface ClaimTarget {
  id: string;
  organizationId: string;
}

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
 * Claims due contacts of one running execution in one transaction: lock the organization row when it caps calls, then
 * the execution row; re-read status, stop time and calls in progress under the locks; apply the calling rules (pause
 * windows, callee-local hours by zone group, the do-not-call list: listed contacts are skipped, never dialled); claim
 * at most the room left under both caps, pick caller IDs, move the counters and stamp `actual_start_at` on the first
 * call. Publishes after commit.
 */
export class Claimer {
  private readonly groups = new ZoneGroups();
  private rotation = 0;

  constructor(private readonly o: ClaimerOptions) {}

  async claim(target: ClaimTarget, want: number): Promise<Claim | null> {
    const executionId = target.id;
    try {
      return await this.claimIn(target, want);
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

  private async claimIn(target: ClaimTarget, want: number): Promise<Claim | null> {
    const executionId = target.id;
    const leaseUntil = Date.now() + this.o.leaseMs;
    const started = performance.now();
    const claim = await this.o.db.transaction(async (tx): Promise<Claim | null> => {
      // Lock order: the organization row (only for its cap), then the execution row, then contacts.
      let org = await readOrganizationRules(tx, target.organizationId);
      let orgRoom = Infinity;
      if (org.maxConcurrentCalls !== null) {
        org = await readOrganizationRules(tx, target.organizationId, true);
        orgRoom = (org.maxConcurrentCalls ?? Infinity) - (await organizationCallsInProgress(tx, target.organizationId));
      }
      const exec = await readExecutionForUpdate(tx, executionId);
      if (!exec || exec.status !== S.RUNNING) return null;
      const now = this.o.clock.now();
      if (exec.scheduledStopAt && exec.scheduledStopAt.getTime() <= now.getTime()) return null;
      const room = Math.min(want, exec.maxConcurrentCalls - exec.contactsInProgress, orgRoom);
      if (room <= 0) return null;
      const scope = await claimScope(tx, this.groups, exec, org.timezone, now.getTime());
      if (scope === "closed") return null;

      // Fair across zone groups: each claim starts at the next one.
      const due: DueContact[] = [];
      const first = this.rotation++ % scope.length;
      for (let i = 0; i < scope.length && due.length < room; i++) due.push(...(await selectDue(tx, executionId, scope[(first + i) % scope.length], room - due.length, now.getTime())));
      if (due.length === 0) return null;

      // The do-not-call list is checked each time a contact is about to be dialled, retries included.
      const listed = await listedNumbers(tx, exec.organizationId, due.map((d) => d.phone));
      const skipped = due.filter((d) => listed.has(d.phone));
      const callable = due.filter((d) => !listed.has(d.phone));
      if (skipped.length > 0) {
        const n = await skipListed(tx, executionId, skipped.map((d) => d.contactId));
        await moveCounters(tx, executionId, { [C.PENDING]: -n, [C.SKIPPED]: n }, now);
        await appendEvents(tx, executionId, skipped.map((d) => ({ type: "contact.finalized", data: { contactId: d.contactId, status: C.SKIPPED, skipReason: SkipReason.DNC } })), now);
      }
      let from: string[] = [];
      const contacts = await claimSelected(tx, executionId, callable, now.getTime(), this.o.leaseMs, this.o.owner, async (phones) => {
        from = await pickCallerIds(tx, exec, phones, now.getTime(), this.o.fallbackCallerId);
        return from;
      });
      if (contacts.length > 0) {
        await moveCounters(tx, executionId, { [C.PENDING]: -contacts.length, [C.IN_PROGRESS]: contacts.length }, now, "actual_start_at = COALESCE(actual_start_at, ?)", [now.getTime()]);
      }
      const finished = skipped.length > 0 && (await finishIfDone(tx, executionId, now));
      await publishAfterCommit(tx, this.o.events, executionId, finished ? "status" : "progress");
      return { exec, contacts: contacts.map((c, i) => ({ ...c, fromNumber: from[i] })), startedAt: now.getTime(), leaseUntil };
    });
    if (claim) metrics.claimBatch(claim.contacts.length, (performance.now() - started) / 1000);
    return claim;
  }
}
