import { toInt } from "../../db/columns";
import type { Db } from "../../db/db";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import { readExecutionForUpdate } from "../execution/execution.store";
import type { FlowDefinition } from "../flow/flow.types";
import { isFinalStatus, outcomeOf } from "../telephony/twilio/twilio-status";
import type { AnsweredBy } from "../telephony/telephony.provider";
import type { CompletionWriter } from "./completion-writer";
import { readContactFields } from "./dispatch.store";
import type { FlowCache } from "./flow-cache";
import { advance, type FlowInput, type FlowState, type Instruction, pendingInstruction, startFlow, type Turn } from "./flow-machine";

// The engine's public operations for calls that run on a carrier's webhooks. Any api process may serve any request
// of any call: the call's flow state lives on its attempt row, and saving it is a compare-and-set on its turn.

/** What the carrier told us with a voice request (the answer, or the result of the pending instruction). */
export interface VoiceRequest {
  /** The turn the request answers (named in its URL); the first request has none. */
  turn: number | null;
  /** The carrier's call id. */
  callId: string;
  answeredBy: AnsweredBy;
  digits: string | null;
  recordingUrl: string | null;
  recordingDurationMs: number;
}

export interface StatusReport {
  callId: string;
  status: string;
  answeredBy: string | null;
  /** The carrier's order of its callbacks for this call. */
  sequence: number | null;
}

interface CallRow {
  id: string;
  executionId: string;
  contactId: string;
  attemptNumber: number;
  outcome: string | null;
  providerCallId: string | null;
  state: FlowState | null;
  turn: number | null;
  answeredAt: number | null;
  callbackSeq: number | null;
  flowId: string;
  flowVersion: number;
  programId: string;
  organizationId: string;
  phone: string;
}

/** How long a status callback waits for its result to be written before it answers anyway (the result is held). */
const STATUS_WRITE_WAIT_MS = 5000;

export class CarrierCalls {
  constructor(
    private readonly o: {
      db: Db;
      clock: Clock;
      logger: Logger;
      flows: FlowCache;
      completions: CompletionWriter;
      /** Runs an opt_out node: puts the callee's number on the organization's do-not-call list. */
      optOut?: (organizationId: string, phone: string) => Promise<void>;
    },
  ) {}

  /**
   * A voice request: advances the call's flow by what the carrier reports and answers the next instruction and the
   * turn its answer must name; null for a call Voicecast does not know or no longer runs (hang it up). A request
   * for a turn that already passed (a repeat) answers the current instruction again and changes nothing.
   */
  async voice(attemptId: string, req: VoiceRequest): Promise<{ instruction: Instruction; turn: number } | null> {
    for (let tries = 0; tries < 5; tries++) {
      const call = await this.load(attemptId);
      if (!call || call.outcome !== null) return null;
      const { flow } = await this.o.flows.get(call.flowId, call.flowVersion);
      const state = call.state ?? startFlow(flow).state;
      if (call.providerCallId === null) await this.adopt(call, req.callId);
      if (req.turn !== null && req.turn !== state.turn) return { instruction: pendingInstruction(flow, state), turn: state.turn };
      if (req.turn === null && state.turn !== 0) return { instruction: pendingInstruction(flow, state), turn: state.turn };

      let turn = advance(flow, state, this.input(flow, state, req), await this.context(call));
      turn = await this.runServerSteps(flow, call, turn);
      const saved = await this.o.db.transaction((tx) =>
        tx.execute(
          `UPDATE call_attempts SET flow_state = ?, flow_turn = ?, answered_at = COALESCE(answered_at, ?), last_event_at = ${tx.dialect.nowMs}
           WHERE id = ? AND outcome IS NULL AND COALESCE(flow_turn, 0) = ?`,
          [JSON.stringify(turn.state), turn.state.turn, this.o.clock.now().getTime(), attemptId, state.turn],
        ),
      );
      if (saved === 1) return { instruction: turn.instruction, turn: turn.state.turn };
      // Another process advanced this call meanwhile: read it again.
    }
    throw new Error(`could not save the flow state of attempt ${attemptId}`);
  }

  /**
   * A status callback: repeated and out-of-order ones (by the carrier's sequence number) change nothing; a final one
   * records the attempt through the completion writer (also when the attempt was closed by a guess meanwhile).
   */
  async status(attemptId: string, report: StatusReport): Promise<void> {
    const call = await this.load(attemptId);
    if (!call) return;
    if (report.sequence !== null) {
      const fresh = await this.o.db.transaction((tx) =>
        tx.execute(
          `UPDATE call_attempts SET callback_seq = ?, last_event_at = ${tx.dialect.nowMs}, provider_call_id = COALESCE(provider_call_id, ?)
           WHERE id = ? AND (callback_seq IS NULL OR callback_seq < ?)`,
          [report.sequence, report.callId, attemptId, report.sequence],
        ),
      );
      if (fresh === 0) return;
    }
    if (!isFinalStatus(report.status)) return;
    const now = this.o.clock.now();
    const answered = report.status === "completed";
    const state = call.state;
    const result = outcomeOf(report.status, report.answeredBy);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STATUS_WRITE_WAIT_MS);
      this.o.completions.push(
        {
          attemptId,
          executionId: call.executionId,
          contactId: call.contactId,
          ...result,
          // A callee who hangs up mid-flow ends it `hungUp`; a flow that never got its first request did not run.
          flowOutcome: answered ? (state?.end?.flowOutcome ?? (state && state.turn > 0 ? "hungUp" : "error")) : null,
          answeredAt: answered ? new Date(call.answeredAt ?? now.getTime()) : null,
          endedAt: now,
          path: state?.path ?? [],
          variables: state?.variables ?? {},
        },
        () => {
          clearTimeout(timer);
          resolve();
        },
      );
    });
  }

  /** The input the waiting node gets from this request. */
  private input(flow: FlowDefinition, state: FlowState, req: VoiceRequest): FlowInput {
    if (state.turn === 0) return { kind: "dialed", result: { answered: true, answeredBy: req.answeredBy } };
    switch (pendingInstruction(flow, state).kind) {
      case "play":
        return { kind: "done" };
      case "gather":
        return { kind: "digits", digits: req.digits };
      case "record":
        return { kind: "recorded", recording: req.recordingUrl, durationMs: req.recordingDurationMs };
      default:
        return { kind: "failed" };
    }
  }

  /** opt_out runs here, between two requests. */
  private async runServerSteps(flow: FlowDefinition, call: CallRow, turn: Turn): Promise<Turn> {
    while (turn.instruction.kind === "opt_out") {
      let input: FlowInput = { kind: "done" };
      try {
        await this.o.optOut?.(call.organizationId, call.phone);
      } catch (err) {
        this.o.logger.error({ err, attemptId: call.id }, "opt-out failed");
        input = { kind: "failed" };
      }
      turn = advance(flow, turn.state, input, await this.context(call));
    }
    return turn;
  }

  private async context(call: CallRow) {
    const fields = (await this.o.db.read((r) => readContactFields(r, [call.contactId]))).get(call.contactId);
    return {
      contact: { id: call.contactId, phone: call.phone, firstName: fields?.firstName ?? null, lastName: fields?.lastName ?? null, email: fields?.email ?? null, customAttributes: fields?.customAttributes ?? {} },
      callId: call.id,
      programId: call.programId,
      executionId: call.executionId,
      attemptNumber: call.attemptNumber,
    };
  }

  /** A call whose placement was never recorded (its dispatcher died after the create): it is placed after all. */
  private async adopt(call: CallRow, callId: string): Promise<void> {
    await this.o.db.transaction(async (tx) => {
      await readExecutionForUpdate(tx, call.executionId);
      await tx.execute(`UPDATE execution_contacts SET lease_expires_at = NULL WHERE execution_id = ? AND contact_id = ? AND claim_token = ?`, [call.executionId, call.contactId, call.id]);
      await tx.execute(`UPDATE call_attempts SET provider_call_id = COALESCE(provider_call_id, ?), last_event_at = ${tx.dialect.nowMs} WHERE id = ?`, [callId, call.id]);
    });
  }

  private async load(attemptId: string): Promise<CallRow | null> {
    const rows = await this.o.db.read((r) =>
      r.query<Record<string, unknown>>(
        `SELECT a.id, a.execution_id, a.contact_id, a.attempt_number, a.outcome, a.provider_call_id, a.flow_state, a.flow_turn, a.answered_at,
                a.callback_seq, e.flow_id, e.flow_version, e.program_id, e.organization_id, c.primary_phone
         FROM call_attempts a JOIN program_executions e ON e.id = a.execution_id
         JOIN execution_contacts c ON c.execution_id = a.execution_id AND c.contact_id = a.contact_id
         WHERE a.id = ?`,
        [attemptId],
      ),
    );
    const r = rows[0];
    if (!r) return null;
    const state = r.flow_state == null ? null : (JSON.parse(String(r.flow_state)) as FlowState | null);
    return {
      id: String(r.id),
      executionId: String(r.execution_id),
      contactId: String(r.contact_id),
      attemptNumber: toInt(r.attempt_number),
      outcome: (r.outcome as string | null) ?? null,
      providerCallId: (r.provider_call_id as string | null) ?? null,
      state,
      turn: r.flow_turn == null ? null : toInt(r.flow_turn),
      answeredAt: r.answered_at == null ? null : toInt(r.answered_at),
      callbackSeq: r.callback_seq == null ? null : toInt(r.callback_seq),
      flowId: String(r.flow_id),
      flowVersion: toInt(r.flow_version),
      programId: String(r.program_id),
      organizationId: String(r.organization_id),
      phone: String(r.primary_phone),
    };
  }
}
