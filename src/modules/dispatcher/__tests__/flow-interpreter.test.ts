import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { type Clock, ManualClock } from "../../../shared/clock";
import {
  CONDITION_OPERATORS,
  type ConditionOperator,
  type FlowDefinition,
  type FlowNode,
  MAX_FLOW_STEPS,
} from "../../flow/flow.types";
import { validateFlowDefinition } from "../../flow/flow.validation";
import { SimulatorProvider } from "../../telephony/simulator.provider";
import type {
  AudioItem,
  CallSession,
  CollectDigitsOptions,
  DialResult,
  PlaceCallRequest,
  TelephonyProvider,
} from "../../telephony/telephony.provider";
import { type AttemptResult, type CallContact, compareValues, runCallFlow } from "../flow-interpreter";

const T0 = new Date("2030-01-01T00:00:00.000Z");
const T_END = new Date("2030-01-01T00:01:00.000Z");

const CONTACT: CallContact = {
  id: "contact-1",
  phone: "+33612345670",
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  customAttributes: { tier: "gold", score: "42", visits: 7, vip: true, tags: ["a", "b"] },
};

// ---- flow builders -------------------------------------------------------------------------------------------

function n(id: string, type: FlowNode["type"], config: Record<string, unknown>, outputs: Record<string, string> = {}): FlowNode {
  // Builders make nodes of any type from loose parts, some deliberately malformed.
  return { id, type, config, outputs } as FlowNode;
}
const dial = (outputs: Record<string, string>, config: Record<string, unknown> = {}): FlowNode =>
  n("dial", "dial", config, outputs);
const hangup = (id = "end", reason?: string): FlowNode => n(id, "hangup", reason ? { reason } : {});
const play = (id: string, outputs: Record<string, string>): FlowNode =>
  n(id, "play", { audioItems: [{ type: "tts", text: `this is ${id}` }] }, outputs);
const setVar = (id: string, variableName: string, value: unknown, outputs: Record<string, string> = {}): FlowNode =>
  n(id, "set_variable", { variableName, value }, outputs);
const flowOf = (...nodes: FlowNode[]): FlowDefinition => ({ startNodeId: "dial", nodes });

// ---- a scripted provider ----------------------------------------------------------------------------------------

interface Script {
  dial?: DialResult;
  /** Answers of successive collectDigits calls; "hang" waits until the call's signal aborts, then rejects. */
  digits?: Array<string | null | "hang">;
  recordDurationMs?: number;
  placeCallError?: Error;
  playError?: Error;
}

class ScriptedProvider implements TelephonyProvider {
  readonly name = "scripted";
  readonly requests: PlaceCallRequest[] = [];
  readonly collects: CollectDigitsOptions[] = [];
  readonly plays: Array<readonly AudioItem[]> = [];
  readonly records: Array<{ maxDurationMs: number }> = [];
  readonly hangups: Array<string | undefined> = [];

  constructor(private readonly script: Script = {}) {}

  async placeCall(request: PlaceCallRequest): Promise<CallSession> {
    this.requests.push(request);
    if (this.script.placeCallError) throw this.script.placeCallError;
    const dialResult = this.script.dial ?? { answered: true, answeredBy: "human" };
    const digits = [...(this.script.digits ?? [])];
    const self = this;
    const session: CallSession = {
      callId: request.callId,
      dial: dialResult,
      answeredAt: dialResult.answered ? T0 : null,
      async play(items) {
        self.plays.push(items);
        if (self.script.playError) throw self.script.playError;
      },
      collectDigits(options) {
        self.collects.push(options);
        const next = digits.length > 0 ? digits.shift() : null;
        if (next === "hang")
          return new Promise<string | null>((_, reject) =>
            request.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }),
          );
        return Promise.resolve(next ?? null);
      },
      async record(options) {
        self.records.push(options);
        return { recordingId: `rec-${self.records.length}`, durationMs: self.script.recordDurationMs ?? 1000 };
      },
      async hangup(reason) {
        self.hangups.push(reason);
        return { endedAt: T_END };
      },
    };
    return session;
  }
}

interface RunOptions {
  provider?: TelephonyProvider;
  phone?: string;
  attemptNumber?: number;
  signal?: AbortSignal;
  contact?: CallContact;
  clock?: Clock;
}

function run(flow: FlowDefinition, opts: RunOptions = {}): Promise<AttemptResult> {
  const clock = opts.clock ?? new ManualClock(T0);
  return runCallFlow({
    provider: opts.provider ?? new SimulatorProvider({ callMs: 0, clock }),
    flow,
    contact: { ...(opts.contact ?? CONTACT), ...(opts.phone ? { phone: opts.phone } : {}) },
    callId: "call-1",
    programId: "program-1",
    executionId: "execution-1",
    attemptNumber: opts.attemptNumber ?? 1,
    signal: opts.signal ?? new AbortController().signal,
    clock,
  });
}

// ---- dial ---------------------------------------------------------------------------------------------------------

describe("dial", () => {
  const allOutputs = flowOf(
    dial({
      onAnswer: "human",
      onVoicemail: "machine",
      onNoAnswer: "noAnswer",
      onBusy: "busy",
      onRejected: "rejected",
      onError: "error",
    }),
    hangup("human"),
    hangup("machine"),
    hangup("noAnswer"),
    hangup("busy"),
    hangup("rejected"),
    hangup("error"),
  );

  it("the test flow is valid", () => {
    expect(() => validateFlowDefinition(allOutputs)).not.toThrow();
  });

  it("a person answers: outcome completed, onAnswer, answeredAt and endedAt from the clock", async () => {
    expect(await run(allOutputs, { phone: "+33612345670" })).toEqual({
      outcome: "completed",
      failureReason: null,
      flowOutcome: "hungUp",
      answeredAt: T0,
      endedAt: T0,
      path: ["dial", "human"],
      variables: {},
    });
  });

  it("a machine answers: outcome voicemail, onVoicemail, the flow still runs", async () => {
    expect(await run(allOutputs, { phone: "+33612345679" })).toMatchObject({
      outcome: "voicemail",
      flowOutcome: "hungUp",
      answeredAt: T0,
      path: ["dial", "machine"],
    });
  });

  const unanswered: Array<[string, string, AttemptResult["outcome"], string]> = [
    ["no answer (digit 6)", "+33612345676", "noAnswer", "noAnswer"],
    ["busy (digit 7)", "+33612345677", "busy", "busy"],
    ["rejected (digit 8)", "+33612345678", "rejected", "rejected"],
  ];
  for (const [name, phone, outcome, node] of unanswered) {
    it(`${name}: its output, flowOutcome null, no answeredAt`, async () => {
      expect(await run(allOutputs, { phone })).toEqual({
        outcome,
        failureReason: null,
        flowOutcome: null,
        answeredAt: null,
        endedAt: T0,
        path: ["dial", node],
        variables: {},
      });
    });
  }

  it("digit 5 is not answered on attempts 1-2 and answered by a person on attempt 3", async () => {
    expect((await run(allOutputs, { phone: "+33612345675", attemptNumber: 2 })).path).toEqual(["dial", "noAnswer"]);
    expect((await run(allOutputs, { phone: "+33612345675", attemptNumber: 3 })).path).toEqual(["dial", "human"]);
  });

  it("a failed dial takes onError; a provider that throws gives failureReason provider_error", async () => {
    const failed = new ScriptedProvider({ dial: { answered: false, outcome: "failed", failureReason: "sip_503" } });
    expect(await run(allOutputs, { provider: failed })).toMatchObject({
      outcome: "failed",
      failureReason: "sip_503",
      flowOutcome: null,
      path: ["dial", "error"],
    });
    const throwing = new ScriptedProvider({ placeCallError: new Error("carrier down") });
    expect(await run(allOutputs, { provider: throwing })).toEqual({
      outcome: "failed",
      failureReason: "provider_error",
      flowOutcome: null,
      answeredAt: null,
      endedAt: T0,
      path: ["dial", "error"],
      variables: {},
    });
  });

  it("passes the dial config to the provider with the contract defaults (30000 ms, AMD on)", async () => {
    const provider = new ScriptedProvider();
    await run(flowOf(dial({})), { provider, attemptNumber: 2 });
    expect(provider.requests[0]).toMatchObject({
      callId: "call-1",
      to: "+33612345670",
      attemptNumber: 2,
      timeoutMs: 30_000,
      enableAMD: true,
    });
    const custom = new ScriptedProvider();
    await run(flowOf(dial({}, { timeout: 12_000, enableAMD: false })), { provider: custom });
    expect(custom.requests[0]).toMatchObject({ timeoutMs: 12_000, enableAMD: false });
  });

  it("enableAMD false turns digit 9 into a person's answer", async () => {
    const f = flowOf(dial({ onAnswer: "human", onVoicemail: "machine" }, { enableAMD: false }), hangup("human"), hangup("machine"));
    expect(await run(f, { phone: "+33612345679" })).toMatchObject({ outcome: "completed", path: ["dial", "human"] });
  });

  it("hangs up through the session, whose endedAt is reported", async () => {
    const provider = new ScriptedProvider();
    const result = await run(flowOf(dial({ onAnswer: "bye" }), hangup("bye", "thanks")), { provider });
    expect(result.endedAt).toEqual(T_END);
    expect(provider.hangups).toEqual(["thanks"]);
  });

  it("a flow that leads back to the dial node does not dial again: the dial node fails into onError", async () => {
    const provider = new ScriptedProvider();
    const f = flowOf(dial({ onAnswer: "p", onError: "end" }), play("p", { onComplete: "dial" }), hangup());
    expect(await run(f, { provider })).toMatchObject({
      outcome: "completed",
      flowOutcome: "hungUp",
      path: ["dial", "p", "dial", "end"],
    });
    expect(provider.requests).toHaveLength(1);
  });
});

// ---- outputs, default, errors --------------------------------------------------------------------------------------

describe("outputs and default", () => {
  it("an unmapped output with no default ends the call with flowOutcome completed", async () => {
    const provider = new ScriptedProvider();
    expect(await run(flowOf(dial({ onVoicemail: "x" }), hangup("x")), { provider })).toEqual({
      outcome: "completed",
      failureReason: null,
      flowOutcome: "completed",
      answeredAt: T0,
      endedAt: T_END,
      path: ["dial"],
      variables: {},
    });
    expect(provider.hangups).toEqual(["flow_completed"]);
  });

  it("an unmapped output falls back to default", async () => {
    expect((await run(flowOf(dial({ onVoicemail: "x", default: "d" }), hangup("x"), hangup("d")))).path).toEqual([
      "dial",
      "d",
    ]);
  });

  it("a mapped output wins over default", async () => {
    expect((await run(flowOf(dial({ onAnswer: "a", default: "d" }), hangup("a"), hangup("d")))).path).toEqual([
      "dial",
      "a",
    ]);
  });

  it("a node that throws takes onError", async () => {
    const provider = new ScriptedProvider({ playError: new Error("tts engine down") });
    const f = flowOf(dial({ onAnswer: "p" }), play("p", { onComplete: "ok", onError: "oops", default: "d" }), hangup("ok"), hangup("oops"), hangup("d"));
    expect(await run(f, { provider })).toMatchObject({ flowOutcome: "hungUp", path: ["dial", "p", "oops"] });
  });

  it("a node that throws without onError takes default", async () => {
    const provider = new ScriptedProvider({ playError: new Error("tts engine down") });
    const f = flowOf(dial({ onAnswer: "p" }), play("p", { onComplete: "ok", default: "d" }), hangup("ok"), hangup("d"));
    expect(await run(f, { provider })).toMatchObject({ flowOutcome: "hungUp", path: ["dial", "p", "d"] });
  });

  it("a node that throws with neither onError nor default ends with flowOutcome error", async () => {
    const provider = new ScriptedProvider({ playError: new Error("tts engine down") });
    const f = flowOf(dial({ onAnswer: "p" }), play("p", { onComplete: "ok" }), hangup("ok"));
    expect(await run(f, { provider })).toMatchObject({
      outcome: "completed",
      failureReason: null,
      flowOutcome: "error",
      path: ["dial", "p"],
    });
    expect(provider.hangups).toEqual(["flow_error"]);
  });

  it("a set_variable with a broken value source (unvalidated flow) throws into onError", async () => {
    const f = flowOf(
      dial({ onAnswer: "s" }),
      setVar("s", "x", { source: "nowhere" }, { onSuccess: "ok", onError: "bad" }),
      hangup("ok"),
      hangup("bad"),
    );
    expect(await run(f)).toMatchObject({ flowOutcome: "hungUp", path: ["dial", "s", "bad"], variables: {} });
  });

  it("media nodes on an unanswered call take onError", async () => {
    const f = flowOf(
      dial({ onNoAnswer: "p" }),
      play("p", { onComplete: "ok", onError: "r" }),
      n("r", "record", { variableName: "rec" }, { onComplete: "ok", onError: "m" }),
      n("m", "dtmf", { branches: { "1": "ok" } }, { onTimeout: "ok", onError: "s" }),
      setVar("s", "reached", true, { onSuccess: "end" }),
      hangup("ok"),
      hangup(),
    );
    expect(await run(f, { phone: "+33612345676" })).toEqual({
      outcome: "noAnswer",
      failureReason: null,
      flowOutcome: null,
      answeredAt: null,
      endedAt: T0,
      path: ["dial", "p", "r", "m", "s", "end"],
      variables: { reached: true },
    });
  });

  it("a media node on an unanswered call with no onError or default just ends it", async () => {
    const f = flowOf(dial({ onBusy: "p" }), play("p", { onComplete: "end" }), hangup());
    expect(await run(f, { phone: "+33612345677" })).toMatchObject({
      outcome: "busy",
      flowOutcome: null,
      path: ["dial", "p"],
    });
  });
});

// ---- play / record --------------------------------------------------------------------------------------------------

describe("play and record", () => {
  it("play sends the audio items and takes onComplete", async () => {
    const provider = new ScriptedProvider();
    const items = [
      { type: "tts", text: "Hello" },
      { type: "audioFile", audioId: "a1" },
    ];
    const f = flowOf(dial({ onAnswer: "p" }), n("p", "play", { audioItems: items }, { onComplete: "end" }), hangup());
    expect((await run(f, { provider })).path).toEqual(["dial", "p", "end"]);
    expect(provider.plays).toEqual([items]);
  });

  it("record stores the recording id in variableName and takes onComplete", async () => {
    const f = flowOf(
      dial({ onAnswer: "r" }),
      n("r", "record", { variableName: "voiceNote", maxDurationMs: 30_000 }, { onComplete: "end", onTimeout: "cut" }),
      hangup(),
      hangup("cut"),
    );
    expect(await run(f)).toMatchObject({ path: ["dial", "r", "end"], variables: { voiceNote: "sim-rec-call-1-1" } });
  });

  it("record uses maxDurationMs (default 60000) and takes onTimeout when the recording hit it", async () => {
    const f = (config: Record<string, unknown>) =>
      flowOf(dial({ onAnswer: "r" }), n("r", "record", config, { onComplete: "end", onTimeout: "cut" }), hangup(), hangup("cut"));
    const provider = new ScriptedProvider({ recordDurationMs: 5000 });
    expect((await run(f({ variableName: "v", maxDurationMs: 5000 }), { provider })).path).toEqual(["dial", "r", "cut"]);
    expect((await run(f({}), { provider })).path).toEqual(["dial", "r", "end"]);
    expect(provider.records).toEqual([{ maxDurationMs: 5000 }, { maxDurationMs: 60_000 }]);
  });
});

// ---- dtmf -------------------------------------------------------------------------------------------------------------

describe("dtmf", () => {
  const menu = (config: Record<string, unknown>, outputs: Record<string, string> = {}): FlowDefinition =>
    flowOf(
      dial({ onAnswer: "menu" }),
      n("menu", "dtmf", { variableName: "choice", ...config }, outputs),
      play("sorry", { onComplete: "menu" }),
      hangup("one"),
      hangup("two"),
      hangup("star"),
      hangup("timeout"),
      hangup("invalid"),
      hangup("tooMany"),
      hangup("success"),
      hangup("fallback"),
    );
  const outputs = { onTimeout: "timeout", onInvalid: "sorry", onMaxRetries: "tooMany", onSuccess: "success" };

  it("the simulated person presses the lowest branch digit, which goes to its branch and is stored", async () => {
    const f = menu({ branches: { "2": "two", "1": "one", "*": "star" } }, outputs);
    expect(await run(f)).toMatchObject({ path: ["dial", "menu", "one"], variables: { choice: "1" } });
  });

  it("with only * and # branches the simulated person presses *", async () => {
    const f = menu({ branches: { "#": "two", "*": "star" } }, outputs);
    expect(await run(f)).toMatchObject({ path: ["dial", "menu", "star"], variables: { choice: "*" } });
  });

  it("with no branches the simulated person does not press: onTimeout, variable untouched", async () => {
    expect(await run(menu({}, outputs))).toMatchObject({ path: ["dial", "menu", "timeout"], variables: {} });
  });

  it("asks the provider with the config, branch digits sorted, and defaults (single_digit, 5000 ms)", async () => {
    const provider = new ScriptedProvider({ digits: ["1"] });
    await run(menu({ branches: { "#": "two", "9": "two", "1": "one", "*": "star" } }, outputs), { provider });
    const defaults = new ScriptedProvider({ digits: ["1"] });
    await run(menu({ mode: "multi_digit", timeoutMs: 8000, branches: { "1": "one" } }, outputs), { provider: defaults });
    expect(provider.collects).toEqual([{ mode: "single_digit", timeoutMs: 5000, validDigits: ["1", "9", "*", "#"] }]);
    expect(defaults.collects).toEqual([{ mode: "multi_digit", timeoutMs: 8000, validDigits: ["1"] }]);
  });

  it("invalid digits take onInvalid up to maxRetries times, then onMaxRetries", async () => {
    const provider = new ScriptedProvider({ digits: ["5", "7", "9"] });
    const f = menu({ branches: { "1": "one" }, maxRetries: 2 }, outputs);
    expect(await run(f, { provider })).toMatchObject({
      flowOutcome: "hungUp",
      path: ["dial", "menu", "sorry", "menu", "sorry", "menu", "tooMany"],
      variables: { choice: "9" },
    });
  });

  it("a valid digit after invalid ones goes to its branch", async () => {
    const provider = new ScriptedProvider({ digits: ["5", "2"] });
    const f = menu({ branches: { "1": "one", "2": "two" }, maxRetries: 2 }, outputs);
    expect(await run(f, { provider })).toMatchObject({
      path: ["dial", "menu", "sorry", "menu", "two"],
      variables: { choice: "2" },
    });
  });

  it("maxRetries 0: the first invalid digit takes onMaxRetries", async () => {
    const provider = new ScriptedProvider({ digits: ["5"] });
    expect((await run(menu({ branches: { "1": "one" }, maxRetries: 0 }, outputs), { provider })).path).toEqual([
      "dial",
      "menu",
      "tooMany",
    ]);
  });

  it("maxRetries defaults to 3", async () => {
    const provider = new ScriptedProvider({ digits: ["5", "5", "5", "5"] });
    expect((await run(menu({ branches: { "1": "one" } }, outputs), { provider })).path).toEqual([
      "dial",
      "menu",
      "sorry",
      "menu",
      "sorry",
      "menu",
      "sorry",
      "menu",
      "tooMany",
    ]);
  });

  it("timeouts do not count as invalid presses", async () => {
    const provider = new ScriptedProvider({ digits: [null] });
    const f = menu({ branches: { "1": "one" }, maxRetries: 0 }, outputs);
    expect((await run(f, { provider })).path).toEqual(["dial", "menu", "timeout"]);
  });

  it("unmapped onInvalid and onMaxRetries fall back to default", async () => {
    const provider = new ScriptedProvider({ digits: ["5"] });
    const f = menu({ branches: { "1": "one" }, maxRetries: 1 }, { default: "fallback" });
    expect((await run(f, { provider })).path).toEqual(["dial", "menu", "fallback"]);
    const again = new ScriptedProvider({ digits: ["5"] });
    expect((await run(menu({ branches: { "1": "one" }, maxRetries: 0 }, { default: "fallback" }), { provider: again })).path).toEqual(
      ["dial", "menu", "fallback"],
    );
  });

  it("unmapped onTimeout with no default ends the call (flowOutcome completed)", async () => {
    expect(await run(menu({ branches: { "1": "one" } }, {}), { provider: new ScriptedProvider({ digits: [null] }) })).toMatchObject({
      flowOutcome: "completed",
      path: ["dial", "menu"],
    });
  });

  it("without branches, any input is collected: onSuccess with the digits stored", async () => {
    const provider = new ScriptedProvider({ digits: ["12345"] });
    expect(await run(menu({ mode: "multi_digit" }, outputs), { provider })).toMatchObject({
      path: ["dial", "menu", "success"],
      variables: { choice: "12345" },
    });
  });

  it("works without a variableName", async () => {
    const provider = new ScriptedProvider({ digits: ["2"] });
    const f = flowOf(dial({ onAnswer: "m" }), n("m", "dtmf", { branches: { "2": "end" } }), hangup());
    expect(await run(f, { provider })).toMatchObject({ path: ["dial", "m", "end"], variables: {} });
  });
});

// ---- conditions ----------------------------------------------------------------------------------------------------

describe("compareValues", () => {
  const cases: Array<[ConditionOperator, unknown, unknown, boolean]> = [
    ["eq", "gold", "gold", true],
    ["eq", "gold", "Gold", false],
    ["eq", "007", 7, true], // both read as numbers
    ["eq", 7, 7.0, true],
    ["eq", "7.50", "7.5", true],
    ["eq", true, "true", true],
    ["eq", true, 1, false],
    ["eq", null, null, true],
    ["eq", null, "", false],
    ["eq", null, 0, false],
    ["neq", "gold", "silver", true],
    ["neq", "10", 10, false],
    ["neq", null, "x", true],
    ["gt", "10", "9", true], // numeric, not "10" < "9" as strings
    ["gt", 9, 10, false],
    ["gt", "b", "a", true],
    ["gt", "abc", "abd", false],
    ["gt", null, 1, false],
    ["lt", "9", 10, true],
    ["lt", "apple", "banana", true],
    ["lt", 3, 3, false],
    ["lt", 1, null, false],
    ["gte", 3, "3", true],
    ["gte", "2", 3, false],
    ["gte", "b", "b", true],
    ["lte", -1.5, "-1.5", true],
    ["lte", 4, 3, false],
    ["lte", "a", "b", true],
    ["contains", "hello world", "lo w", true],
    ["contains", "hello", "Hello", false],
    ["contains", 12345, 234, true],
    ["contains", null, "", false],
    ["startsWith", "+33612345670", "+336", true],
    ["startsWith", "+33612345670", "+44", false],
    ["endsWith", "ada@example.com", "@example.com", true],
    ["endsWith", "ada@example.com", ".org", false],
    ["endsWith", "x", null, false],
  ];
  for (const [op, left, right, expected] of cases) {
    it(`${JSON.stringify(left)} ${op} ${JSON.stringify(right)} is ${expected}`, () => {
      expect(compareValues(op, left, right)).toBe(expected);
    });
  }

  it("covers every operator", () => {
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(CONDITION_OPERATORS));
  });

  it("reads decimal and scientific strings as numbers, but not hex or blank strings", () => {
    expect(compareValues("eq", "1e3", 1000)).toBe(true);
    expect(compareValues("eq", " 42 ", 42)).toBe(true);
    expect(compareValues("eq", "0x10", 16)).toBe(false);
    expect(compareValues("eq", " ", 0)).toBe(false);
    expect(compareValues("eq", "", 0)).toBe(false);
  });
});

describe("condition nodes", () => {
  const cond = (logic: unknown, conditions: unknown[], outputs: Record<string, string> = { onTrue: "yes", onFalse: "no" }) =>
    flowOf(
      dial({ onAnswer: "c" }),
      n("c", "condition", { ...(logic === undefined ? {} : { logic }), conditions }, outputs),
      hangup("yes"),
      hangup("no"),
      hangup("err"),
    );
  const yes = { left: { source: "customAttribute", attributeName: "tier" }, operator: "eq", right: "gold" };
  const no = { left: { source: "customAttribute", attributeName: "visits" }, operator: "gt", right: 10 };

  it("AND needs every condition", async () => {
    expect((await run(cond("AND", [yes, yes]))).path).toEqual(["dial", "c", "yes"]);
    expect((await run(cond("AND", [yes, no]))).path).toEqual(["dial", "c", "no"]);
  });

  it("OR needs one condition", async () => {
    expect((await run(cond("OR", [no, yes]))).path).toEqual(["dial", "c", "yes"]);
    expect((await run(cond("OR", [no, no]))).path).toEqual(["dial", "c", "no"]);
  });

  it("logic defaults to AND", async () => {
    expect((await run(cond(undefined, [yes, no]))).path).toEqual(["dial", "c", "no"]);
  });

  it("runs on an unanswered call too (it is not a media node)", async () => {
    const f = flowOf(
      dial({ onNoAnswer: "c" }),
      n("c", "condition", { conditions: [{ left: { source: "system", name: "sys.answeredBy" }, operator: "eq", right: null }] }, { onTrue: "yes" }),
      hangup("yes"),
    );
    expect((await run(f, { phone: "+33612345676" })).path).toEqual(["dial", "c", "yes"]);
  });

  it("an unknown operator (unvalidated flow) takes onError, and without it ends with flowOutcome error", async () => {
    const bad = { left: 1, operator: "like", right: 1 };
    expect((await run(cond("AND", [bad], { onTrue: "yes", onError: "err" }))).path).toEqual(["dial", "c", "err"]);
    expect(await run(cond("AND", [bad], { onTrue: "yes" }))).toMatchObject({ flowOutcome: "error", path: ["dial", "c"] });
  });

  it("an unmapped onFalse with default follows default", async () => {
    expect((await run(cond("AND", [no], { onTrue: "yes", default: "err" }))).path).toEqual(["dial", "c", "err"]);
  });

  it("compares a dtmf answer (a string) with a number literal numerically", async () => {
    const provider = new ScriptedProvider({ digits: ["2"] });
    const f = flowOf(
      dial({ onAnswer: "m" }),
      n("m", "dtmf", { variableName: "d" }, { onSuccess: "c" }),
      n("c", "condition", { conditions: [{ left: { source: "variable", variableName: "d" }, operator: "gte", right: 2 }] }, { onTrue: "yes", onFalse: "no" }),
      hangup("yes"),
      hangup("no"),
    );
    expect((await run(f, { provider })).path).toEqual(["dial", "m", "c", "yes"]);
  });
});

// ---- set_variable and value sources --------------------------------------------------------------------------------

describe("set_variable and value sources", () => {
  it("resolves literals and every value source", async () => {
    const sources: Array<[string, unknown]> = [
      ["lit_string", "hello"],
      ["lit_number", 3.5],
      ["lit_bool", false],
      ["lit_null", null],
      ["fromVariable", { source: "variable", variableName: "lit_string" }],
      ["missingVariable", { source: "variable", variableName: "nope" }],
      ["tier", { source: "customAttribute", attributeName: "tier" }],
      ["tags", { source: "customAttribute", attributeName: "tags" }],
      ["missingAttribute", { source: "customAttribute", attributeName: "nope" }],
      ["protoAttribute", { source: "customAttribute", attributeName: "constructor" }],
      ["phone", { source: "contactField", field: "phone" }],
      ["firstName", { source: "contactField", field: "firstName" }],
      ["lastName", { source: "contactField", field: "lastName" }],
      ["email", { source: "contactField", field: "email" }],
      ["callId", { source: "system", name: "sys.callId" }],
      ["contactId", { source: "system", name: "sys.contactId" }],
      ["contactPhone", { source: "system", name: "sys.contactPhone" }],
      ["programId", { source: "system", name: "sys.programId" }],
      ["executionId", { source: "system", name: "sys.executionId" }],
      ["attemptNumber", { source: "system", name: "sys.attemptNumber" }],
      ["answeredBy", { source: "system", name: "sys.answeredBy" }],
    ];
    const nodes: FlowNode[] = [dial({ onAnswer: "s0" })];
    sources.forEach(([name, value], i) =>
      nodes.push(setVar(`s${i}`, name, value, { onSuccess: i + 1 < sources.length ? `s${i + 1}` : "end" })),
    );
    nodes.push(hangup());
    const f = flowOf(...nodes);
    expect(() => validateFlowDefinition(f)).not.toThrow();
    const result = await run(f, { attemptNumber: 2 });
    expect(result.variables).toEqual({
      lit_string: "hello",
      lit_number: 3.5,
      lit_bool: false,
      lit_null: null,
      fromVariable: "hello",
      missingVariable: null,
      tier: "gold",
      tags: ["a", "b"],
      missingAttribute: null,
      protoAttribute: null,
      phone: "+33612345670",
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      callId: "call-1",
      contactId: "contact-1",
      contactPhone: "+33612345670",
      programId: "program-1",
      executionId: "execution-1",
      attemptNumber: 2,
      answeredBy: "human",
    });
    expect(result.path).toHaveLength(sources.length + 2);
    expect(result.flowOutcome).toBe("hungUp");
  });

  it("sys.answeredBy is machine on voicemail; null contact fields read as null", async () => {
    const f = flowOf(
      dial({ onVoicemail: "a" }),
      setVar("a", "by", { source: "system", name: "sys.answeredBy" }, { onSuccess: "b" }),
      setVar("b", "mail", { source: "contactField", field: "email" }, { onSuccess: "end" }),
      hangup(),
    );
    const result = await run(f, { phone: "+33612345679", contact: { ...CONTACT, email: null } });
    expect(result.variables).toEqual({ by: "machine", mail: null });
  });

  it("a later set_variable overwrites an earlier one, and a variable named __proto__ stays a plain value", async () => {
    const f = flowOf(
      dial({ onAnswer: "a" }),
      setVar("a", "x", 1, { onSuccess: "b" }),
      setVar("b", "x", 2, { onSuccess: "c" }),
      setVar("c", "__proto__", "p", { default: "end" }),
      hangup(),
    );
    const { variables } = await run(f);
    expect(variables.x).toBe(2);
    expect(Object.getOwnPropertyDescriptor(variables, "__proto__")?.value).toBe("p");
    expect(Object.getPrototypeOf(variables)).toBe(Object.prototype);
  });
});

// ---- step limit -----------------------------------------------------------------------------------------------------

describe("step limit", () => {
  it(`a loop of set_variable nodes stops after ${MAX_FLOW_STEPS} steps, keeping the dial outcome`, async () => {
    const provider = new ScriptedProvider();
    const f = flowOf(dial({ onAnswer: "a" }), setVar("a", "v", "a", { onSuccess: "b" }), setVar("b", "v", "b", { onSuccess: "a" }));
    expect(() => validateFlowDefinition(f)).not.toThrow();
    const result = await run(f, { provider });
    expect(result.outcome).toBe("completed");
    expect(result.flowOutcome).toBe("error");
    expect(result.failureReason).toBe("flow_step_limit");
    expect(result.path).toHaveLength(MAX_FLOW_STEPS);
    expect(result.path.slice(0, 4)).toEqual(["dial", "a", "b", "a"]);
    expect(result.path[MAX_FLOW_STEPS - 1]).toBe("a"); // step 1000 (index 999, odd) is a
    expect(result.variables).toEqual({ v: "a" });
    expect(provider.hangups).toEqual(["flow_step_limit"]);
  });

  it("a voicemail call that loops keeps outcome voicemail", async () => {
    const f = flowOf(dial({ onVoicemail: "a" }), setVar("a", "v", 1, { onSuccess: "a" }));
    expect(await run(f, { phone: "+33612345679" })).toMatchObject({
      outcome: "voicemail",
      flowOutcome: "error",
      failureReason: "flow_step_limit",
    });
  });

  it("a flow of exactly the limit completes normally", async () => {
    const nodes: FlowNode[] = [dial({ onAnswer: "s1" })];
    for (let i = 1; i <= MAX_FLOW_STEPS - 2; i++) nodes.push(setVar(`s${i}`, "i", i, { onSuccess: i < MAX_FLOW_STEPS - 2 ? `s${i + 1}` : "end" }));
    nodes.push(hangup());
    const result = await run(flowOf(...nodes));
    expect(result.path).toHaveLength(MAX_FLOW_STEPS);
    expect(result).toMatchObject({ flowOutcome: "hungUp", failureReason: null });
  });
});

// ---- abort ----------------------------------------------------------------------------------------------------------

describe("abort", () => {
  const flow = flowOf(
    dial({ onAnswer: "p", onNoAnswer: "end" }),
    play("p", { onComplete: "m" }),
    n("m", "dtmf", { branches: { "1": "end" } }, { onTimeout: "end" }),
    hangup(),
  );

  it("an already aborted signal places no call", async () => {
    const controller = new AbortController();
    controller.abort();
    const provider = new ScriptedProvider();
    expect(await run(flow, { provider, signal: controller.signal })).toEqual({
      outcome: "failed",
      failureReason: "aborted",
      flowOutcome: null,
      answeredAt: null,
      endedAt: T0,
      path: [],
      variables: {},
    });
    expect(provider.requests).toHaveLength(0);
  });

  it("stops walking at a pending operation and hangs up promptly", async () => {
    const controller = new AbortController();
    const provider = new ScriptedProvider({ digits: ["hang"] });
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    const result = await run(flow, { provider, signal: controller.signal });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toEqual({
      outcome: "completed",
      failureReason: "aborted",
      flowOutcome: "error",
      answeredAt: T0,
      endedAt: T_END,
      path: ["dial", "p", "m"],
      variables: {},
    });
    expect(provider.hangups).toEqual(["aborted"]);
  });

  it("ends a long simulated call promptly", async () => {
    const controller = new AbortController();
    const clock = new ManualClock(T0);
    const provider = new SimulatorProvider({ callMs: 60_000, clock });
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    const result = await run(flow, { provider, signal: controller.signal, clock });
    expect(performance.now() - started).toBeLessThan(1000);
    // The walk finished before the abort; the hangup (waiting out callMs) was cut short.
    expect(result).toMatchObject({ outcome: "completed", flowOutcome: "hungUp", path: ["dial", "p", "m", "end"] });
  });

  it("aborting while an unanswered simulated call rings gives failed / aborted", async () => {
    const controller = new AbortController();
    const provider = new SimulatorProvider({ callMs: 60_000, clock: new ManualClock(T0) });
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    const result = await run(flow, { provider, signal: controller.signal, phone: "+33612345676" });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toEqual({
      outcome: "failed",
      failureReason: "aborted",
      flowOutcome: null,
      answeredAt: null,
      endedAt: T0,
      path: ["dial"],
      variables: {},
    });
  });
});

describe("invalid flows handed over without validation", () => {
  it("a start node that is not a dial node places no call", async () => {
    const provider = new ScriptedProvider();
    const result = await run({ startNodeId: "end", nodes: [hangup()] }, { provider });
    expect(result).toMatchObject({ outcome: "failed", failureReason: "invalid_flow", flowOutcome: null, path: [] });
    expect(provider.requests).toHaveLength(0);
  });

  it("nodes without config or outputs do not crash the walk", async () => {
    const provider = new ScriptedProvider();
    const bare = { startNodeId: "dial", nodes: [{ id: "dial", type: "dial" }] } as unknown as FlowDefinition;
    expect(await run(bare, { provider })).toMatchObject({ outcome: "completed", flowOutcome: "completed", path: ["dial"] });
    const toHangup = {
      startNodeId: "dial",
      nodes: [{ id: "dial", type: "dial", outputs: { onAnswer: "h" } }, { id: "h", type: "hangup" }],
    } as unknown as FlowDefinition;
    expect(await run(toHangup, { provider })).toMatchObject({ flowOutcome: "hungUp", path: ["dial", "h"] });
    expect(provider.hangups).toEqual(["flow_completed", "hangup_node"]);
  });

  it("an output pointing at a missing node ends with flowOutcome error", async () => {
    expect(await run(flowOf(dial({ onAnswer: "ghost" })))).toMatchObject({
      outcome: "completed",
      failureReason: "invalid_flow",
      flowOutcome: "error",
      path: ["dial"],
    });
  });
});
