import { describe, expect, it } from "vitest";
import type { FlowDefinition } from "../../flow/flow.types";
import { validateFlowDefinition } from "../../flow/flow.validation";
import { advance, endFlow, type FlowInput, type FlowState, startFlow, type Turn } from "../flow-machine";

const CTX = {
  contact: { id: "c1", phone: "+14155550100", firstName: "Ada", lastName: null, email: null, customAttributes: { tier: "gold" } },
  callId: "a1",
  programId: "p1",
  executionId: "e1",
  attemptNumber: 1,
};

// dial → greet (play) → menu (dtmf: 1 → rec, 9 → stop) → rec (record) → tag (set_variable) → check (condition) → bye
const FLOW: FlowDefinition = validateFlowDefinition({
  startNodeId: "dial",
  nodes: [
    { id: "dial", type: "dial", config: { enableAMD: true }, outputs: { onAnswer: "greet", onVoicemail: "vm", onNoAnswer: "bye" } },
    { id: "greet", type: "play", config: { audioItems: [{ type: "tts", text: "Hello" }] }, outputs: { onComplete: "menu" } },
    { id: "menu", type: "dtmf", config: { branches: { "1": "rec", "9": "stop" }, variableName: "choice", maxRetries: 1 }, outputs: { onTimeout: "bye", onInvalid: "menu", onMaxRetries: "bye" } },
    { id: "rec", type: "record", config: { variableName: "message", maxDurationMs: 10_000 }, outputs: { onComplete: "tag", onTimeout: "tag" } },
    { id: "tag", type: "set_variable", config: { variableName: "tier", value: { source: "customAttribute", attributeName: "tier" } }, outputs: { onSuccess: "check" } },
    { id: "check", type: "condition", config: { conditions: [{ left: { source: "variable", variableName: "choice" }, operator: "eq", right: 1 }] }, outputs: { onTrue: "bye", onFalse: "bye" } },
    { id: "stop", type: "opt_out", config: {}, outputs: { onSuccess: "bye", onError: "bye" } },
    { id: "vm", type: "play", config: { audioItems: [{ type: "audioUrl", url: "https://example.com/vm.mp3" }] }, outputs: { onComplete: "bye" } },
    { id: "bye", type: "hangup", config: { reason: "done" }, outputs: {} },
  ],
});

/** Feeds inputs one by one, saving the state as JSON between turns as a webhook-driven call does. */
function drive(inputs: FlowInput[], viaJson: boolean): Turn[] {
  const turns: Turn[] = [startFlow(FLOW)];
  for (const input of inputs) {
    const last = turns[turns.length - 1];
    const state: FlowState = viaJson ? JSON.parse(JSON.stringify(last.state)) : last.state;
    turns.push(advance(FLOW, state, input, CTX));
  }
  return turns;
}

const PERSON: FlowInput = { kind: "dialed", result: { answered: true, answeredBy: "human" } };

describe("flow machine", () => {
  it("stops at each node that needs the call, and its state survives a JSON round trip between turns", () => {
    const inputs: FlowInput[] = [PERSON, { kind: "done" }, { kind: "digits", digits: "1" }, { kind: "recorded", recording: "https://rec/1", durationMs: 3000 }];
    const turns = drive(inputs, true);
    expect(turns.map((t) => t.instruction.kind)).toEqual(["dial", "play", "gather", "record", "end"]);
    expect(turns[2].instruction).toEqual({ kind: "gather", nodeId: "menu", mode: "single_digit", timeoutMs: 5000, validDigits: ["1", "9"] });
    const last = turns[turns.length - 1];
    expect(last.state).toMatchObject({
      at: null,
      turn: 4,
      path: ["dial", "greet", "menu", "rec", "tag", "check", "bye"],
      variables: { choice: "1", message: "https://rec/1", tier: "gold" },
      answeredBy: "human",
      end: { flowOutcome: "hungUp", hangupReason: "done", failureReason: null },
    });
    expect(drive(inputs, false).map((t) => t.state)).toEqual(turns.map((t) => t.state));
  });

  it("does not change the state it is given (a repeated webhook can replay a turn)", () => {
    const [start] = drive([], false);
    const frozen = JSON.parse(JSON.stringify(start.state));
    advance(FLOW, start.state, PERSON, CTX);
    expect(start.state).toEqual(frozen);
  });

  it("a machine takes onVoicemail; sys.answeredBy unknown is treated as a person", () => {
    expect(drive([{ kind: "dialed", result: { answered: true, answeredBy: "machine" } }], true)[1].instruction).toMatchObject({ kind: "play", nodeId: "vm" });
    const unknown = drive([{ kind: "dialed", result: { answered: true, answeredBy: "unknown" } }], true)[1];
    expect(unknown.instruction).toMatchObject({ kind: "play", nodeId: "greet" });
    expect(unknown.state.answeredBy).toBe("unknown");
  });

  it("an opt_out node is an instruction for the server; done takes onSuccess, failed takes onError", () => {
    const turns = drive([PERSON, { kind: "done" }, { kind: "digits", digits: "9" }], true);
    expect(turns[3].instruction).toEqual({ kind: "opt_out", nodeId: "stop" });
    expect(advance(FLOW, turns[3].state, { kind: "done" }, CTX).state.path.slice(-2)).toEqual(["stop", "bye"]);
    expect(advance(FLOW, turns[3].state, { kind: "failed" }, CTX).state.end).toMatchObject({ flowOutcome: "hungUp" });
  });

  it("invalid presses re-prompt up to maxRetries, then take onMaxRetries", () => {
    const turns = drive([PERSON, { kind: "done" }, { kind: "digits", digits: "5" }, { kind: "digits", digits: "5" }], true);
    expect(turns[3].instruction).toMatchObject({ kind: "gather", nodeId: "menu" });
    expect(turns[4].state).toMatchObject({ invalid: { menu: 2 }, end: { flowOutcome: "hungUp" } });
  });

  it("an unanswered dial follows its output and never reaches media", () => {
    const t = drive([{ kind: "dialed", result: { answered: false, outcome: "noAnswer", failureReason: null } }], true)[1];
    expect(t.instruction).toMatchObject({ kind: "end", end: { flowOutcome: "hungUp" } });
    expect(t.state.answeredBy).toBeNull();
  });

  it("endFlow ends a flow from outside once, and advancing an ended flow changes nothing", () => {
    const [, answered] = drive([PERSON], true);
    const hungUp = endFlow(answered.state, { flowOutcome: "hungUp", hangupReason: "callee", failureReason: null });
    expect(hungUp).toMatchObject({ at: null, end: { flowOutcome: "hungUp", hangupReason: "callee" } });
    expect(endFlow(hungUp, { flowOutcome: "error", hangupReason: "x", failureReason: "x" })).toBe(hungUp);
    expect(advance(FLOW, hungUp, { kind: "done" }, CTX)).toMatchObject({ state: { turn: hungUp.turn, end: hungUp.end }, instruction: { kind: "end" } });
  });
});
