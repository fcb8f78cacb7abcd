import type { Db } from "../../db/db";
import type { ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import { backoff, sleep } from "../../shared/retry";
import type { ProgramExecution } from "../execution/execution.entity";
import { moveCounters, publishAfterCommit, readExecutionForUpdate, changeStatus } from "../execution/execution.store";
import { type Carrier, CarrierError } from "../telephony/carrier";
import type { CompletionWriter } from "./completion-writer";
import { Batcher } from "../../shared/batcher";
import { markPlaced, Placement, readProviderFailures, releaseClaims } from "./dispatch.store";
import type { FlowCache } from "./flow-cache";
import { startFlow } from "./flow-machine";
import type { Held, Holdings } from "./holdings";
import type { Pacer } from "./pacer";

/** Carrier failures in a row (429, 5xx, timeouts) after which one attempt is recorded `provider_error`. */
export const MAX_PROVIDER_FAILURES = 5;
/** A contact given back after its n-th failure in a row is due again after min(2^n s, 5 min). */
const RELEASE_BACKOFF = backoff(2000, 5 * 60_000);

export interface CarrierPlacerOptions {
  db: Db;
  clock: Clock;
  events: ExecutionEventPublisher;
  logger: Logger;
  carrier: Carrier;
  flows: FlowCache;
  holdings: Holdings;
  completions: CompletionWriter;
  pacer: Pacer;
  wake: () => void;
}

/**
 * Places calls with a carrier that runs them on its own network (webhooks carry the flow from there on). Each
 * claimed contact waits for its calls-per-second slot, then the carrier is asked for the call:
 * - accepted: the call id and the flow's first state are stored, the contact's lease dropped; this process is done;
 * - 429, 5xx, timeout (after looking the call up, in case the create did place it): the claim is given back without
 *   using an attempt, due again with back-off; after MAX_PROVIDER_FAILURES in a row, one attempt is recorded
 *   `failed` / `provider_error`;
 * - the number refused: the attempt ends `rejected` / `carrier_rejected`;
 * - credentials or caller ID refused: the claim is given back and the execution pauses (`paused_provider`).
 */
export class CarrierPlacer {
  private readonly calls = new Set<Promise<void>>();
  /** Accepted calls are recorded in batches: one transaction per execution for all that were placed meanwhile. */
  private readonly placements: Batcher<Placement>;

  constructor(private readonly o: CarrierPlacerOptions) {
    this.placements = new Batcher((items) => this.record(items), { maxBatch: 500 });
  }

  get running(): number {
    return this.calls.size;
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.calls]);
  }

  async place(exec: ProgramExecution, held: Held[], waits: number[]): Promise<void> {
    held.forEach((h, i) => {
      const call = this.placeOne(exec, h, waits[i] ?? 0)
        .catch((err) => this.o.logger.error({ err, attemptId: h.attemptId }, "placing a call failed; its lease will run out"))
        .finally(() => this.calls.delete(call));
      this.calls.add(call);
    });
  }

  private async placeOne(exec: ProgramExecution, h: Held, waitMs: number): Promise<void> {
    try {
      await sleep(waitMs, h.controller.signal);
      await this.o.pacer.admit(h.controller.signal);
    } catch {
      // aborted below
    }
    if (h.controller.signal.aborted) return this.giveBack(exec, [h], false);
    const { flow } = await this.o.flows.get(exec.flowId, exec.flowVersion);
    const first = startFlow(flow);
    const dial = first.instruction.kind === "dial" ? first.instruction : { timeoutMs: 30_000, enableAMD: true };
    try {
      const { callId } = await this.o.carrier.createCall({ attemptId: h.attemptId, to: h.phone, from: h.fromNumber, timeoutMs: dial.timeoutMs, enableAMD: dial.enableAMD });
      await this.placed(exec, h, callId, first.state);
    } catch (err) {
      if (!(err instanceof CarrierError)) throw err;
      await this.refused(exec, h, err);
    }
  }

  private async placed(exec: ProgramExecution, h: Held, callId: string, flowState: unknown): Promise<void> {
    await this.placements.push({ executionId: exec.id, contactId: h.contactId, attemptId: h.attemptId, providerCallId: callId, flowState });
    this.o.holdings.release(h);
  }

  private async record(placements: Placement[]): Promise<void> {
    const byExecution = new Map<string, Placement[]>();
    for (const p of placements) byExecution.set(p.executionId, [...(byExecution.get(p.executionId) ?? []), p]);
    await this.o.db.transaction(async (tx) => {
      for (const [executionId, list] of [...byExecution].sort(([a], [b]) => a.localeCompare(b))) {
        await readExecutionForUpdate(tx, executionId);
        await markPlaced(tx, executionId, list);
      }
    });
  }

  private async refused(exec: ProgramExecution, h: Held, err: CarrierError): Promise<void> {
    if (err.kind === "timeout") {
      // The request may have created the call after all: look before giving the contact back, so nobody rings twice.
      const found = await this.o.carrier.findCall(h.phone, new Date(h.startedAt)).catch(() => undefined);
      if (found === undefined) return; // cannot tell: the claim stays until its lease runs out and it is looked up again
      if (found) return this.placed(exec, h, found.id, startFlow((await this.o.flows.get(exec.flowId, exec.flowVersion)).flow).state);
      return this.giveBack(exec, [h], true);
    }
    if (err.kind === "transient") return this.giveBack(exec, [h], true);
    if (err.kind === "number") {
      this.o.logger.info({ attemptId: h.attemptId, code: err.code }, "the carrier refused the number");
      return this.finish(h, "rejected", "carrier_rejected");
    }
    this.o.logger.error({ executionId: exec.id, code: err.code, status: err.status, carrierMessage: err.message }, "the carrier refused the account or caller ID: pausing the execution");
    await this.giveBack(exec, [h], false, true);
  }

  /** Records the attempt as ended without a call. */
  private finish(h: Held, outcome: "rejected" | "failed", failureReason: string): void {
    const now = this.o.clock.now();
    this.o.completions.push(
      { attemptId: h.attemptId, executionId: h.executionId, outcome, failureReason, endedAt: now, flow: { flowOutcome: null, answeredAt: null, path: [], variables: {} } },
      () => {
        this.o.holdings.release(h);
        this.o.wake();
      },
    );
  }

  /**
   * Gives claims back without an attempt, due again with back-off (`countFailure`), or at once; a contact whose
   * failures in a row reach the limit gets one `provider_error` attempt instead. `pause` pauses the execution.
   */
  private async giveBack(exec: ProgramExecution, held: Held[], countFailure: boolean, pause = false): Promise<void> {
    const failures = countFailure ? await this.o.db.read((r) => readProviderFailures(r, exec.id, held.map((h) => h.attemptId))) : new Map<string, number>();
    const exhausted = held.filter((h) => (failures.get(h.attemptId) ?? 0) + 1 >= MAX_PROVIDER_FAILURES);
    const back = held.filter((h) => !exhausted.includes(h));
    await this.o.db.transaction(async (tx) => {
      await readExecutionForUpdate(tx, exec.id);
      const now = this.o.clock.now();
      const delta = await releaseClaims(
        tx,
        exec.id,
        back.map((h) => ({ contactId: h.contactId, attemptId: h.attemptId, nextAttemptAt: now.getTime() + (countFailure ? RELEASE_BACKOFF((failures.get(h.attemptId) ?? 0) + 1) : 0) })),
        countFailure,
      );
      await moveCounters(tx, exec.id, delta, now);
      let kind: "progress" | "status" = "progress";
      if (pause && (await changeStatus(tx, exec.id, "pause", now, "provider"))) kind = "status";
      await publishAfterCommit(tx, this.o.events, exec.id, kind);
    });
    for (const h of back) this.o.holdings.release(h);
    for (const h of exhausted) this.finish(h, "failed", "provider_error");
    if (pause) this.o.wake();
  }
}
