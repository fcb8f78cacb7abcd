// Runs one call attempt in this process: places the call through a telephony provider that holds the call itself
// (the simulator) and drives the flow machine with it, instruction by instruction. It never throws for anything
// the call or the flow does; every ending, abort included, becomes an AttemptResult the dispatcher can record.
// A carrier that runs calls on webhooks drives the same machine from the webhook handlers instead.

import type { Clock } from "../../shared/clock";
import type { FlowDefinition } from "../flow/flow.types";
import type { CallOutcome, FlowOutcome } from "../telephony/call-outcome";
import type { CallEvent, CallSession, DialResult, TelephonyProvider } from "../telephony/telephony.provider";
import { advance, endFlow, type FlowEnd, type FlowInput, type Instruction, startFlow } from "./flow-machine";
import type { CallContact } from "./flow-values";

export { compareValues, resolveValue, type CallContact, type ValueContext } from "./flow-values";
export { DIAL_DEFAULTS, DTMF_DEFAULTS, RECORD_DEFAULTS } from "./flow-machine";

export interface RunCallFlowParams {
  provider: TelephonyProvider;
  flow: FlowDefinition;
  contact: CallContact;
  callId: string;
  programId: string;
  executionId: string;
  attemptNumber: number;
  /**
   * Aborting stops the walk and hangs up at once. Give each call its own signal (e.g. a child of a shutdown
   * signal): providers listen on it while they wait, and adding listeners to one signal shared by thousands of
   * calls gets slower with each one.
   */
  signal: AbortSignal;
  clock: Clock;
  /** Passed through to the provider, e.g. to learn early that a call was answered. */
  onEvent?: (event: CallEvent) => void;
  /** Runs an opt_out node: puts the callee's number on the do-not-call list. Without it the node succeeds. */
  optOut?: (phone: string) => Promise<void>;
}

export interface AttemptResult {
  outcome: CallOutcome;
  failureReason: string | null;
  flowOutcome: FlowOutcome | null;
  answeredAt: Date | null;
  endedAt: Date;
  path: string[];
  variables: Record<string, unknown>;
}

const ABORTED: FlowEnd = { flowOutcome: "error", hangupReason: "aborted", failureReason: "aborted" };

/** The attempt's outcome from how the dial ended: a person is `completed`, a machine `voicemail`. */
export function dialOutcome(dial: DialResult | null): CallOutcome {
  if (!dial) return "failed";
  if (!dial.answered) return dial.outcome;
  return dial.answeredBy === "machine" ? "voicemail" : "completed";
}

/**
 * Places one call and walks its flow from the dial node. `flowOutcome` says how the flow ended and is null when
 * nobody answered. The call is always hung up before this resolves; an abort stops the walk and hangs up at once
 * (`failureReason` "aborted").
 */
export async function runCallFlow(p: RunCallFlowParams): Promise<AttemptResult> {
  const ctx = { contact: p.contact, callId: p.callId, programId: p.programId, executionId: p.executionId, attemptNumber: p.attemptNumber };
  let { state, instruction } = startFlow(p.flow);
  let session: CallSession | null = null;
  let dial: DialResult | null = null;
  const abortedBeforeDial = p.signal.aborted;

  while (instruction.kind !== "end") {
    if (p.signal.aborted) {
      state = endFlow(state, ABORTED);
      break;
    }
    let input: FlowInput;
    try {
      if (instruction.kind === "dial") {
        session = await place(p, instruction);
        dial = session?.dial ?? { answered: false, outcome: "failed", failureReason: "provider_error" };
        input = { kind: "dialed", result: dial };
      } else {
        input = await perform(session, instruction, p);
      }
    } catch {
      if (p.signal.aborted) {
        state = endFlow(state, ABORTED);
        break;
      }
      input = { kind: "failed" };
    }
    ({ state, instruction } = advance(p.flow, state, input, ctx));
  }
  if (state.end === null) state = endFlow(state, ABORTED);
  const end = state.end!;

  let endedAt: Date;
  try {
    endedAt = session ? (await session.hangup(end.hangupReason)).endedAt : p.clock.now();
  } catch {
    endedAt = p.clock.now();
  }
  const dialFailure = dial && !dial.answered ? dial.failureReason : null;
  return {
    outcome: dialOutcome(dial),
    failureReason: end.failureReason ?? dialFailure,
    flowOutcome: dial?.answered ? end.flowOutcome : null,
    answeredAt: dial?.answered ? (session?.answeredAt ?? null) : null,
    endedAt,
    path: abortedBeforeDial ? [] : state.path,
    variables: state.variables,
  };
}

/** Dials; a provider that fails (not an abort) yields no session: the dial failed with `provider_error`. */
async function place(p: RunCallFlowParams, dial: Extract<Instruction, { kind: "dial" }>): Promise<CallSession | null> {
  try {
    return await p.provider.placeCall({
      callId: p.callId,
      to: p.contact.phone,
      attemptNumber: p.attemptNumber,
      timeoutMs: dial.timeoutMs,
      enableAMD: dial.enableAMD,
      signal: p.signal,
      ...(p.onEvent ? { onEvent: p.onEvent } : {}),
    });
  } catch (err) {
    if (p.signal.aborted) throw err;
    return null;
  }
}

async function perform(session: CallSession | null, instruction: Exclude<Instruction, { kind: "dial" | "end" }>, p: RunCallFlowParams): Promise<FlowInput> {
  if (instruction.kind === "opt_out") {
    await p.optOut?.(p.contact.phone);
    return { kind: "done" };
  }
  if (!session) throw new Error("the call was not answered");
  switch (instruction.kind) {
    case "play":
      await session.play(instruction.items);
      return { kind: "done" };
    case "gather":
      return { kind: "digits", digits: await session.collectDigits({ mode: instruction.mode, timeoutMs: instruction.timeoutMs, validDigits: instruction.validDigits }) };
    case "record": {
      const recording = await session.record({ maxDurationMs: instruction.maxDurationMs });
      return { kind: "recorded", recording: recording.recordingId, durationMs: recording.durationMs };
    }
  }
}
