import { toInt } from "../../db/columns";
import type { Db } from "../../db/db";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import { readExecutionForUpdate } from "../execution/execution.store";
import type { FlowDefinition } from "../flow/flow.types";
import { isFinalStatus, outcomeOf } from "../telephony/twilio/twilio-status";
import type { AnsweredBy } from "../telephony/telephony.provider";
import type { CompletionWriter } from "./completion-writer";
import { Batcher } from "../../shared/batcher";
import { marks, readContactFields } from "./dispatch.store";
import type { FlowCache } from "./flow-cache";
import { advance, type FlowContext, type FlowInput, type FlowState, type Instruction, pendingInstruction, startFlow, type Turn } from "./flow-machine";

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
  flowId: string;
  flowVersion: number;
  programId: string;
  organizationId: string;
  phone: string;
}

/** Signs of life of calls are written together, at most this often. */
const KEEPALIVE_MS = 1000;

/** A call's advanced flow, saved if nobody advanced it since it was read (compare-and-set on its turn). */
interface FlowSave {
  attemptId: string;
  state: FlowState;
  fromTurn: number;
  answeredAt: number;
}

export class CarrierCalls {
  /** A call the carrier reported about is alive: one statement a second for every call that spoke meanwhile. */
  private readonly alive: Batcher<string>;
  /** Voice requests that arrive together read their calls in one statement and save them in another. */
  private readonly loads: Batcher<string, CallRow | null>;
  private readonly saves: Batcher<FlowSave, boolean>;

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
  ) {
    this.alive = new Batcher(
      async (ids) => {
        const unique = [...new Set(ids)].sort();
        await this.o.db.execute(`UPDATE call_attempts SET last_event_at = ${this.o.db.dialect.nowMs} WHERE outcome IS NULL AND id IN (${marks(unique.length)})`, unique);
      },
      { delayMs: KEEPALIVE_MS },
    );
    this.loads = new Batcher((ids) => this.loadMany(ids), { maxBatch: 500, parallel: 4 });
    this.saves = new Batcher((saves) => this.saveMany(saves), { maxBatch: 500, parallel: 4 });
  }

  /**
   * A voice request: advances the call's flow by what the carrier reports and answers the next instruction and the
   * turn its answer must name; null for a call Voicecast does not know or no longer runs (hang it up). A request
   * for a turn that already passed (a repeat) answers the current instruction again and changes nothing.
   */
  async voice(attemptId: string, req: VoiceRequest): Promise<{ instruction: Instruction; turn: number } | null> {
    for (let tries = 0; tries < 5; tries++) {
      const call = await this.loads.push(attemptId);
      if (!call || call.outcome !== null) return null;
      const { flow, readsContact } = await this.o.flows.get(call.flowId, call.flowVersion);
      const state = call.state ?? startFlow(flow).state;
      if (call.providerCallId === null) await this.adopt(call, req.callId);
      if (req.turn !== null && req.turn !== state.turn) return { instruction: pendingInstruction(flow, state), turn: state.turn };
      if (req.turn === null && state.turn !== 0) return { instruction: pendingInstruction(flow, state), turn: state.turn };

      const ctx = await this.context(call, readsContact);
      let turn = advance(flow, state, this.input(flow, state, req), ctx);
      turn = await this.runServerSteps(flow, call, turn, ctx);
      const saved = await this.saves.push({ attemptId, state: turn.state, fromTurn: state.turn, answeredAt: call.answeredAt ?? this.o.clock.now().getTime() });
      if (saved) return { instruction: turn.instruction, turn: turn.state.turn };
      // Another process advanced this call meanwhile: read it again.
    }
    throw new Error(`could not save the flow state of attempt ${attemptId}`);
  }

  /**
   * A status callback. One that is not final only shows the call is alive. A final one is handed to the completion
   * writer and answered at once: the writer records it (holding it through a database outage), and should this process
   * die first, the silent call is looked up at the carrier. Repeated and late callbacks change nothing: an attempt is
   * recorded once (a guess such as lease_expired excepted, which the carrier's real result replaces).
   */
  async status(attemptId: string, report: StatusReport): Promise<void> {
    if (!isFinalStatus(report.status)) {
      this.alive.push(attemptId).catch((err) => this.o.logger.warn({ err }, "could not note that calls are alive"));
      return;
    }
    this.o.completions.push({ attemptId, ...outcomeOf(report.status, report.answeredBy), endedAt: this.o.clock.now(), flow: "stored", providerCallId: report.callId });
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
  private async runServerSteps(flow: FlowDefinition, call: CallRow, turn: Turn, ctx: FlowContext): Promise<Turn> {
    while (turn.instruction.kind === "opt_out") {
      let input: FlowInput = { kind: "done" };
      try {
        await this.o.optOut?.(call.organizationId, call.phone);
      } catch (err) {
        this.o.logger.error({ err, attemptId: call.id }, "opt-out failed");
        input = { kind: "failed" };
      }
      turn = advance(flow, turn.state, input, ctx);
    }
    return turn;
  }

  /** What value sources read; the contact's stored fields only when the flow reads them (the phone is on the snapshot). */
  private async context(call: CallRow, readsContact: boolean): Promise<FlowContext> {
    const fields = readsContact ? (await this.o.db.read((r) => readContactFields(r, [call.contactId]))).get(call.contactId) : undefined;
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

  /**
   * Saves advanced flows in one statement. Each row is saved only if its turn is still the one it was read at; when
   * fewer rows changed than were sent, every request of the batch reads its call again (a request whose save did
   * land then finds its own turn and answers it, as for a repeat).
   */
  private async saveMany(saves: FlowSave[]): Promise<boolean[]> {
    // One row per call, in id order (the order every multi-row write on attempts takes its locks).
    const first = saves.filter((s, i) => saves.findIndex((o) => o.attemptId === s.attemptId) === i).sort((a, b) => (a.attemptId < b.attemptId ? -1 : 1));
    const dialect = this.o.db.dialect;
    const changed = await this.o.db.execute(
      dialect.updateFromRows("call_attempts", "id", ["flow_state", "flow_turn", "answered_at"], first.length, {
        compare: ["from_turn"],
        also: { last_event_at: dialect.nowMs },
        where: "t.outcome IS NULL AND COALESCE(t.flow_turn, 0) = v.from_turn",
      }),
      first.flatMap((s) => [s.attemptId, JSON.stringify(s.state), s.state.turn, s.answeredAt, s.fromTurn]),
    );
    return saves.map((s) => changed === first.length && first.includes(s));
  }

  private async loadMany(attemptIds: string[]): Promise<Array<CallRow | null>> {
    const ids = [...new Set(attemptIds)];
    const rows = await this.o.db.read((r) =>
      r.query<Record<string, unknown>>(
        `SELECT a.id, a.execution_id, a.contact_id, a.attempt_number, a.outcome, a.provider_call_id, a.flow_state, a.flow_turn, a.answered_at,
                e.flow_id, e.flow_version, e.program_id, e.organization_id, c.primary_phone
         FROM call_attempts a JOIN program_executions e ON e.id = a.execution_id
         JOIN execution_contacts c ON c.execution_id = a.execution_id AND c.contact_id = a.contact_id
         WHERE a.id IN (${marks(ids.length)})`,
        ids,
      ),
    );
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    return attemptIds.map((id) => {
      const r = byId.get(id);
      return r ? callRow(r) : null;
    });
  }
}

function callRow(r: Record<string, unknown>): CallRow {
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
    flowId: String(r.flow_id),
    flowVersion: toInt(r.flow_version),
    programId: String(r.program_id),
    organizationId: String(r.organization_id),
    phone: String(r.primary_phone),
  };
}
