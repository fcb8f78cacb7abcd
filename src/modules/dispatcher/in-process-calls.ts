import type { Db } from "../../db/db";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import { sleep } from "../../shared/retry";
import type { ProgramExecution } from "../execution/execution.entity";
import type { TelephonyProvider } from "../telephony/telephony.provider";
import type { CompletionWriter } from "./completion-writer";
import { ContactFields, readContactFields } from "./dispatch.store";
import type { FlowCache } from "./flow-cache";
import { AttemptResult, runCallFlow } from "./flow-interpreter";
import type { Held, Holdings } from "./holdings";
import type { Pacer } from "./pacer";

export interface InProcessCallsOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  provider: TelephonyProvider;
  flows: FlowCache;
  holdings: Holdings;
  completions: CompletionWriter;
  pacer: Pacer;
  /** After a result is written: there is room for new claims. */
  wake: () => void;
  /** An opt_out node: puts the number on the organization's do-not-call list. */
  optOut?: (organizationId: string, phone: string) => Promise<void>;
}

/**
 * Places and runs calls in this process, through a provider that holds the call itself (the simulator): each
 * claimed contact's call runs the flow machine to its end, and the result goes to the completion writer. A call whose
 * claim is lost (or that the drain cuts short) is aborted; only a lost claim's result is still written (it closes
 * the attempt if nothing else did).
 */
export class InProcessCalls {
  private readonly calls = new Set<Promise<void>>();

  constructor(private readonly o: InProcessCallsOptions) {}

  get running(): number {
    return this.calls.size;
  }

  /** Resolves when every call running now has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.calls]);
  }

  /** Starts the calls of one claim; `waits[i]` is how long call i waits for its slot under the calls-per-second limit. */
  async place(exec: ProgramExecution, held: Held[], waits: number[]): Promise<void> {
    let fields = new Map<string, ContactFields>();
    try {
      // The flow is cached; contacts are read only when it uses more of them than the snapshot's phone.
      if ((await this.o.flows.get(exec.flowId, exec.flowVersion)).readsContact) {
        fields = await this.o.db.read((r) => readContactFields(r, held.map((h) => h.contactId)));
      }
    } catch (err) {
      // The calls still run: a missing flow is recorded on each attempt, a failed read leaves the fields empty.
      this.o.logger.error({ err, executionId: exec.id }, "could not read the flow or the contacts' fields");
    }
    held.forEach((h, i) => {
      const call = this.run(h, exec, fields.get(h.contactId), waits[i] ?? 0).finally(() => this.calls.delete(call));
      this.calls.add(call);
    });
  }

  private async run(h: Held, exec: ProgramExecution, fields: ContactFields | undefined, waitMs: number): Promise<void> {
    let result: AttemptResult;
    try {
      await sleep(waitMs, h.controller.signal);
      await this.o.pacer.admit(h.controller.signal).catch(() => {}); // aborted: the call below ends at once
      const { flow } = await this.o.flows.get(exec.flowId, exec.flowVersion);
      result = await runCallFlow({
        provider: this.o.provider,
        flow,
        contact: { id: h.contactId, phone: h.phone, firstName: fields?.firstName ?? null, lastName: fields?.lastName ?? null, email: fields?.email ?? null, customAttributes: fields?.customAttributes ?? {} },
        callId: h.attemptId,
        programId: exec.programId,
        executionId: h.executionId,
        attemptNumber: h.attemptNumber,
        signal: h.controller.signal,
        clock: this.o.clock,
        ...(this.o.optOut ? { optOut: (phone: string) => this.o.optOut!(exec.organizationId, phone) } : {}),
      });
    } catch (err) {
      // The interpreter never throws for what a call does; this is a missing flow version or a bug. The attempt
      // still counts, as a failed one, so the retry strategy decides what happens next.
      this.o.logger.error({ err, executionId: h.executionId, contactId: h.contactId }, "call could not run");
      result = { outcome: "failed", failureReason: "internal_error", flowOutcome: null, answeredAt: null, endedAt: this.o.clock.now(), path: [], variables: {} };
    }
    const reason: unknown = h.controller.signal.reason;
    if (h.controller.signal.aborted && !(reason instanceof Error && reason.message === "lease lost")) {
      // Drained or expired here: not recorded; its lease runs out and a dispatcher reclaims it.
      this.o.holdings.release(h);
      return;
    }
    const { outcome, failureReason, endedAt, ...flow } = result;
    this.o.completions.push({ attemptId: h.attemptId, executionId: h.executionId, outcome, failureReason, endedAt, flow }, () => {
      this.o.holdings.release(h);
      this.o.wake();
    });
  }
}
