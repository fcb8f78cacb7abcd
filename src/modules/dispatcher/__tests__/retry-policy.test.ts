import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock";
import type { FlowDefinition } from "../../flow/flow.types";
import type { RetryStrategy } from "../../program/retry-strategy.types";
import { CALL_OUTCOMES, type CallOutcome } from "../../telephony/call-outcome";
import { SimulatorProvider } from "../../telephony/simulator.provider";
import { runCallFlow } from "../flow-interpreter";
import { decideAfterAttempt, isRetriedOutcome, maxRetriesOf, type RetryDecision } from "../retry-policy";

const NOW = new Date("2030-01-01T12:00:00.000Z");
const at = (iso: string): Date => new Date(iso);
const plusMs = (ms: number): Date => new Date(NOW.getTime() + ms);

const NONE: RetryStrategy = { type: "none" };
const FIXED: RetryStrategy = { type: "fixed_delay", delayMinutes: 30, maxRetries: 3, retryOnVoicemail: true };
const FIXED_NO_VM: RetryStrategy = { type: "fixed_delay", delayMinutes: 30, maxRetries: 3, retryOnVoicemail: false };
const SCHEDULED: RetryStrategy = {
  type: "scheduled",
  retryDates: ["2030-01-02T09:00:00.000Z", "2030-01-03T09:00:00.000Z"],
};

const RETRIED: CallOutcome[] = ["noAnswer", "busy", "rejected", "failed"];

describe("isRetriedOutcome", () => {
  it("none retries nothing", () => {
    for (const outcome of CALL_OUTCOMES) expect(isRetriedOutcome(NONE, outcome)).toBe(false);
  });

  it("a person's answer is never retried", () => {
    for (const s of [NONE, FIXED, FIXED_NO_VM, SCHEDULED]) expect(isRetriedOutcome(s, "completed")).toBe(false);
  });

  it("noAnswer, busy, rejected and failed are retried by fixed_delay and scheduled", () => {
    for (const s of [FIXED, FIXED_NO_VM, SCHEDULED])
      for (const outcome of RETRIED) expect(isRetriedOutcome(s, outcome)).toBe(true);
  });

  it("voicemail is retried unless retryOnVoicemail is false (default true)", () => {
    expect(isRetriedOutcome(FIXED, "voicemail")).toBe(true);
    expect(isRetriedOutcome({ type: "fixed_delay", delayMinutes: 1, maxRetries: 1 }, "voicemail")).toBe(true);
    expect(isRetriedOutcome(FIXED_NO_VM, "voicemail")).toBe(false);
    expect(isRetriedOutcome(SCHEDULED, "voicemail")).toBe(true);
    expect(isRetriedOutcome({ ...SCHEDULED, retryOnVoicemail: false }, "voicemail")).toBe(false);
  });
});

describe("decideAfterAttempt: none", () => {
  it("completes a person's answer and voicemail, fails everything else at once", () => {
    expect(decideAfterAttempt(NONE, 1, "completed", NOW)).toEqual({ kind: "completed" });
    expect(decideAfterAttempt(NONE, 1, "voicemail", NOW)).toEqual({ kind: "completed" });
    for (const outcome of RETRIED) expect(decideAfterAttempt(NONE, 1, outcome, NOW)).toEqual({ kind: "failed" });
  });
  it("has no retries", () => {
    expect(maxRetriesOf(NONE)).toBe(0);
  });
});

describe("decideAfterAttempt: fixed_delay", () => {
  it("maxRetries 3 means 4 attempts: retries after attempts 1-3, each delayMinutes after the attempt ended", () => {
    for (const outcome of RETRIED) {
      for (const attempt of [1, 2, 3])
        expect(decideAfterAttempt(FIXED, attempt, outcome, NOW)).toEqual({
          kind: "retry",
          nextAttemptAt: plusMs(30 * 60_000),
        });
      expect(decideAfterAttempt(FIXED, 4, outcome, NOW)).toEqual({ kind: "failed" });
      expect(decideAfterAttempt(FIXED, 5, outcome, NOW)).toEqual({ kind: "failed" });
    }
  });

  it("maxRetries 0 fails at the first retried outcome", () => {
    const s: RetryStrategy = { type: "fixed_delay", delayMinutes: 1, maxRetries: 0 };
    expect(decideAfterAttempt(s, 1, "busy", NOW)).toEqual({ kind: "failed" });
    expect(decideAfterAttempt(s, 1, "voicemail", NOW)).toEqual({ kind: "failed" });
  });

  it("a fractional delay: 0.05 minutes is 3 seconds", () => {
    const s: RetryStrategy = { type: "fixed_delay", delayMinutes: 0.05, maxRetries: 1 };
    expect(decideAfterAttempt(s, 1, "noAnswer", NOW)).toEqual({ kind: "retry", nextAttemptAt: plusMs(3_000) });
  });

  it("a person's answer completes even on the last attempt and never retries", () => {
    expect(decideAfterAttempt(FIXED, 1, "completed", NOW)).toEqual({ kind: "completed" });
    expect(decideAfterAttempt(FIXED, 4, "completed", NOW)).toEqual({ kind: "completed" });
  });

  it("voicemail is retried by default and fails once attempts are used up", () => {
    expect(decideAfterAttempt(FIXED, 1, "voicemail", NOW)).toEqual({
      kind: "retry",
      nextAttemptAt: plusMs(30 * 60_000),
    });
    expect(decideAfterAttempt(FIXED, 4, "voicemail", NOW)).toEqual({ kind: "failed" });
  });

  it("voicemail completes when retryOnVoicemail is false", () => {
    expect(decideAfterAttempt(FIXED_NO_VM, 1, "voicemail", NOW)).toEqual({ kind: "completed" });
    expect(decideAfterAttempt(FIXED_NO_VM, 4, "voicemail", NOW)).toEqual({ kind: "completed" });
  });
});

describe("decideAfterAttempt: scheduled", () => {
  it("retry k is due at retryDates[k-1]; the number of dates is the number of retries", () => {
    expect(maxRetriesOf(SCHEDULED)).toBe(2);
    expect(decideAfterAttempt(SCHEDULED, 1, "busy", NOW)).toEqual({
      kind: "retry",
      nextAttemptAt: at("2030-01-02T09:00:00.000Z"),
    });
    expect(decideAfterAttempt(SCHEDULED, 2, "busy", NOW)).toEqual({
      kind: "retry",
      nextAttemptAt: at("2030-01-03T09:00:00.000Z"),
    });
    expect(decideAfterAttempt(SCHEDULED, 3, "busy", NOW)).toEqual({ kind: "failed" });
  });

  it("a date that has passed is due now", () => {
    const past: RetryStrategy = {
      type: "scheduled",
      retryDates: ["2029-06-01T00:00:00.000Z", "2030-01-01T11:59:59.999Z", "2030-01-01T12:00:00.001Z"],
    };
    expect(decideAfterAttempt(past, 1, "noAnswer", NOW)).toEqual({ kind: "retry", nextAttemptAt: NOW });
    expect(decideAfterAttempt(past, 2, "noAnswer", NOW)).toEqual({ kind: "retry", nextAttemptAt: NOW });
    expect(decideAfterAttempt(past, 3, "noAnswer", NOW)).toEqual({
      kind: "retry",
      nextAttemptAt: at("2030-01-01T12:00:00.001Z"),
    });
    expect(decideAfterAttempt(past, 4, "noAnswer", NOW)).toEqual({ kind: "failed" });
  });

  it("an unreadable stored date is due now rather than lost", () => {
    const broken: RetryStrategy = { type: "scheduled", retryDates: ["not a date"] };
    expect(decideAfterAttempt(broken, 1, "failed", NOW)).toEqual({ kind: "retry", nextAttemptAt: NOW });
  });

  it("voicemail follows retryOnVoicemail", () => {
    expect(decideAfterAttempt(SCHEDULED, 1, "voicemail", NOW)).toEqual({
      kind: "retry",
      nextAttemptAt: at("2030-01-02T09:00:00.000Z"),
    });
    expect(decideAfterAttempt({ ...SCHEDULED, retryOnVoicemail: false }, 1, "voicemail", NOW)).toEqual({
      kind: "completed",
    });
    expect(decideAfterAttempt(SCHEDULED, 3, "voicemail", NOW)).toEqual({ kind: "failed" });
  });

  it("completes a person's answer", () => {
    expect(decideAfterAttempt(SCHEDULED, 1, "completed", NOW)).toEqual({ kind: "completed" });
  });
});

describe("decideAfterAttempt: bad attempt numbers", () => {
  it("refuses attempt numbers below 1 or fractional", () => {
    expect(() => decideAfterAttempt(FIXED, 0, "busy", NOW)).toThrow(RangeError);
    expect(() => decideAfterAttempt(FIXED, 1.5, "busy", NOW)).toThrow(RangeError);
  });
});

// A contact's whole life: simulator + flow interpreter + retry policy, moving a manual clock to each retry.
describe("attempt counts end to end with the simulator", () => {
  const flow: FlowDefinition = {
    startNodeId: "dial",
    nodes: [
      { id: "dial", type: "dial", config: {}, outputs: { onAnswer: "hello", default: "end" } },
      { id: "hello", type: "play", config: { audioItems: [{ type: "tts", text: "hi" }] }, outputs: { default: "end" } },
      { id: "end", type: "hangup", config: {}, outputs: {} },
    ],
  };

  async function lifeOf(
    phone: string,
    strategy: RetryStrategy,
    enableAMD = true,
  ): Promise<{ final: RetryDecision["kind"]; outcomes: CallOutcome[]; attemptTimes: string[] }> {
    const clock = new ManualClock(NOW);
    const provider = new SimulatorProvider({ callMs: 0, clock });
    const outcomes: CallOutcome[] = [];
    const attemptTimes: string[] = [];
    const f: FlowDefinition = { ...flow, nodes: flow.nodes.map((n) => (n.type === "dial" ? { ...n, config: { enableAMD } } : n)) };
    for (let attempt = 1; attempt <= 200; attempt++) {
      attemptTimes.push(clock.now().toISOString());
      const result = await runCallFlow({
        provider,
        flow: f,
        contact: { id: "c1", phone, firstName: null, lastName: null, email: null, customAttributes: {} },
        callId: `call-${attempt}`,
        programId: "p1",
        executionId: "e1",
        attemptNumber: attempt,
        signal: new AbortController().signal,
        clock,
      });
      outcomes.push(result.outcome);
      const decision = decideAfterAttempt(strategy, attempt, result.outcome, result.endedAt);
      if (decision.kind !== "retry") return { final: decision.kind, outcomes, attemptTimes };
      clock.set(decision.nextAttemptAt);
    }
    throw new Error("never settled");
  }

  const fixed = (maxRetries: number, retryOnVoicemail?: boolean): RetryStrategy => ({
    type: "fixed_delay",
    delayMinutes: 10,
    maxRetries,
    ...(retryOnVoicemail === undefined ? {} : { retryOnVoicemail }),
  });

  it("digit 6 with maxRetries 2: 3 attempts, 10 minutes apart, then failed", async () => {
    expect(await lifeOf("+33612345676", fixed(2))).toEqual({
      final: "failed",
      outcomes: ["noAnswer", "noAnswer", "noAnswer"],
      attemptTimes: ["2030-01-01T12:00:00.000Z", "2030-01-01T12:10:00.000Z", "2030-01-01T12:20:00.000Z"],
    });
  });

  it("digit 5 with maxRetries 2: completed at attempt 3", async () => {
    const life = await lifeOf("+33612345675", fixed(2));
    expect(life.final).toBe("completed");
    expect(life.outcomes).toEqual(["noAnswer", "noAnswer", "completed"]);
  });

  it("digit 5 with maxRetries 1: failed after 2 attempts", async () => {
    const life = await lifeOf("+33612345675", fixed(1));
    expect(life.final).toBe("failed");
    expect(life.outcomes).toEqual(["noAnswer", "noAnswer"]);
  });

  it("digit 0: completed at attempt 1", async () => {
    expect((await lifeOf("+33612345670", fixed(3))).outcomes).toEqual(["completed"]);
  });

  it("digits 7 and 8 with maxRetries 3: 4 attempts then failed", async () => {
    expect(await lifeOf("+33612345677", fixed(3))).toMatchObject({ final: "failed", outcomes: Array(4).fill("busy") });
    expect(await lifeOf("+33612345678", fixed(3))).toMatchObject({
      final: "failed",
      outcomes: Array(4).fill("rejected"),
    });
  });

  it("digit 9: voicemail retried by default (3 attempts, failed), completed when voicemail is not retried", async () => {
    expect(await lifeOf("+33612345679", fixed(2))).toMatchObject({
      final: "failed",
      outcomes: ["voicemail", "voicemail", "voicemail"],
    });
    expect(await lifeOf("+33612345679", fixed(2, false))).toMatchObject({ final: "completed", outcomes: ["voicemail"] });
    expect(await lifeOf("+33612345679", NONE)).toMatchObject({ final: "completed", outcomes: ["voicemail"] });
  });

  it("digit 9 without AMD answers as a person: completed at attempt 1", async () => {
    expect(await lifeOf("+33612345679", fixed(2), false)).toMatchObject({ final: "completed", outcomes: ["completed"] });
  });

  it("none: digit 6 fails after its single attempt", async () => {
    expect(await lifeOf("+33612345676", NONE)).toMatchObject({ final: "failed", outcomes: ["noAnswer"] });
  });

  it("scheduled with past dates: every retry due at once; digit 5 completes at attempt 3", async () => {
    const past: RetryStrategy = { type: "scheduled", retryDates: ["2029-01-01T00:00:00.000Z", "2029-01-02T00:00:00.000Z"] };
    expect(await lifeOf("+33612345675", past)).toEqual({
      final: "completed",
      outcomes: ["noAnswer", "noAnswer", "completed"],
      attemptTimes: ["2030-01-01T12:00:00.000Z", "2030-01-01T12:00:00.000Z", "2030-01-01T12:00:00.000Z"],
    });
  });

  it("scheduled with one future date: digit 6 is called twice, the second time at that date, then failed", async () => {
    const one: RetryStrategy = { type: "scheduled", retryDates: ["2030-01-05T08:00:00.000Z"] };
    expect(await lifeOf("+33612345676", one)).toEqual({
      final: "failed",
      outcomes: ["noAnswer", "noAnswer"],
      attemptTimes: ["2030-01-01T12:00:00.000Z", "2030-01-05T08:00:00.000Z"],
    });
  });
});
