import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../../shared/clock";
import { createTelephony } from "../create-provider";
import { lowestDigit, SimulatorProvider, simulatedDialResult } from "../simulator.provider";
import type { CallEvent, DialResult, PlaceCallRequest } from "../telephony.provider";

const T0 = new Date("2030-01-01T00:00:00.000Z");

function request(to: string, overrides: Partial<PlaceCallRequest> = {}): PlaceCallRequest {
  return {
    callId: "call-1",
    to,
    attemptNumber: 1,
    timeoutMs: 30_000,
    enableAMD: true,
    signal: new AbortController().signal,
    ...overrides,
  };
}

const HUMAN: DialResult = { answered: true, answeredBy: "human" };
const MACHINE: DialResult = { answered: true, answeredBy: "machine" };
const NO_ANSWER: DialResult = { answered: false, outcome: "noAnswer", failureReason: null };
const BUSY: DialResult = { answered: false, outcome: "busy", failureReason: null };
const REJECTED: DialResult = { answered: false, outcome: "rejected", failureReason: null };

describe("simulator outcome table (by the dialled number's last digit)", () => {
  // [last digit, attempt 1, attempt 2, attempt 3, attempt 4]
  const table: Array<[string, DialResult, DialResult, DialResult, DialResult]> = [
    ["0", HUMAN, HUMAN, HUMAN, HUMAN],
    ["1", HUMAN, HUMAN, HUMAN, HUMAN],
    ["2", HUMAN, HUMAN, HUMAN, HUMAN],
    ["3", HUMAN, HUMAN, HUMAN, HUMAN],
    ["4", HUMAN, HUMAN, HUMAN, HUMAN],
    ["5", NO_ANSWER, NO_ANSWER, HUMAN, HUMAN],
    ["6", NO_ANSWER, NO_ANSWER, NO_ANSWER, NO_ANSWER],
    ["7", BUSY, BUSY, BUSY, BUSY],
    ["8", REJECTED, REJECTED, REJECTED, REJECTED],
    ["9", MACHINE, MACHINE, MACHINE, MACHINE],
  ];

  for (const [digit, ...byAttempt] of table) {
    it(`last digit ${digit}, attempts 1-4`, async () => {
      const provider = new SimulatorProvider({ callMs: 0, clock: new ManualClock(T0) });
      for (let attempt = 1; attempt <= 4; attempt++) {
        const phone = `+3361234567${digit}`;
        expect(simulatedDialResult(phone, attempt, true)).toEqual(byAttempt[attempt - 1]);
        const session = await provider.placeCall(request(phone, { attemptNumber: attempt }));
        expect(session.dial).toEqual(byAttempt[attempt - 1]);
        expect(session.answeredAt).toEqual(session.dial.answered ? T0 : null);
        expect(await session.hangup()).toEqual({ endedAt: T0 });
      }
    });
  }

  it("with enableAMD false, digit 9 answers as a person and other digits are unchanged", () => {
    expect(simulatedDialResult("+33612345679", 1, false)).toEqual(HUMAN);
    expect(simulatedDialResult("+33612345676", 1, false)).toEqual(NO_ANSWER);
    expect(simulatedDialResult("+33612345675", 3, false)).toEqual(HUMAN);
    expect(simulatedDialResult("+33612345670", 1, false)).toEqual(HUMAN);
  });

  it("looks at the last digit only, ignoring formatting", () => {
    expect(simulatedDialResult("+1 (555) 010-9997", 1, true)).toEqual(BUSY);
    expect(simulatedDialResult("+1 555 0109998 ", 1, true)).toEqual(REJECTED);
    expect(simulatedDialResult("no digits", 1, true)).toEqual(HUMAN);
  });
});

describe("simulated session media", () => {
  it("presses the lowest branch digit: 0-9 first, then *, then #", async () => {
    const provider = new SimulatorProvider({ callMs: 0, clock: new ManualClock(T0) });
    const session = await provider.placeCall(request("+33612345670"));
    const collect = (validDigits: string[]) =>
      session.collectDigits({ mode: "single_digit", timeoutMs: 5000, validDigits });
    expect(await collect(["#", "*", "9", "3"])).toBe("3");
    expect(await collect(["9", "0"])).toBe("0");
    expect(await collect(["#", "*"])).toBe("*");
    expect(await collect(["#"])).toBe("#");
    expect(await session.collectDigits({ mode: "multi_digit", timeoutMs: 5000, validDigits: ["7", "4"] })).toBe("4");
    expect(await collect([])).toBeNull();
    expect(lowestDigit(["*", "#", "2"])).toBe("2");
    expect(lowestDigit([])).toBeNull();
  });

  it("plays and records half the call's time, capped at maxDurationMs, with numbered recording ids", async () => {
    const provider = new SimulatorProvider({ callMs: 0, clock: new ManualClock(T0) });
    const session = await provider.placeCall(request("+33612345671", { callId: "c-42" }));
    await expect(session.play([{ type: "tts", text: "hi" }])).resolves.toBeUndefined();
    expect(await session.record({ maxDurationMs: 60_000 })).toEqual({ recordingId: "sim-rec-c-42-1", durationMs: 0 });
    expect(await session.record({ maxDurationMs: 60_000 })).toEqual({ recordingId: "sim-rec-c-42-2", durationMs: 0 });
  });

  it("records half of callMs", async () => {
    const provider = new SimulatorProvider({ callMs: 30, clock: new ManualClock(T0) });
    const session = await provider.placeCall(request("+33612345671"));
    expect((await session.record({ maxDurationMs: 60_000 })).durationMs).toBe(15);
    expect((await session.record({ maxDurationMs: 10 })).durationMs).toBe(10);
    await session.hangup();
  });

  it("rejects media operations on an unanswered call and after hangup", async () => {
    const provider = new SimulatorProvider({ callMs: 0, clock: new ManualClock(T0) });
    const busy = await provider.placeCall(request("+33612345677"));
    await expect(busy.play([])).rejects.toThrow("call call-1 was not answered (busy)");
    await expect(busy.collectDigits({ mode: "single_digit", timeoutMs: 1, validDigits: ["1"] })).rejects.toThrow(
      "was not answered",
    );
    await expect(busy.record({ maxDurationMs: 1000 })).rejects.toThrow("was not answered");

    const answered = await provider.placeCall(request("+33612345670"));
    await answered.hangup();
    await expect(answered.play([])).rejects.toThrow("call call-1 has ended");
  });

  it("hangup is idempotent and stamps endedAt from the clock", async () => {
    const clock = new ManualClock(T0);
    const provider = new SimulatorProvider({ callMs: 0, clock });
    const session = await provider.placeCall(request("+33612345670"));
    clock.advance(5_000);
    const first = session.hangup("done");
    const second = session.hangup();
    expect(second).toBe(first);
    expect(await first).toEqual({ endedAt: new Date(T0.getTime() + 5_000) });
  });

  it("reports ringing, answered and ended events", async () => {
    const clock = new ManualClock(T0);
    const events: CallEvent[] = [];
    const provider = new SimulatorProvider({ callMs: 0, clock });
    const session = await provider.placeCall(request("+33612345679", { onEvent: (e) => events.push(e) }));
    clock.advance(1000);
    await session.hangup();
    expect(events).toEqual([
      { type: "ringing", callId: "call-1", at: T0 },
      { type: "answered", callId: "call-1", answeredBy: "machine", at: T0 },
      { type: "ended", callId: "call-1", outcome: "voicemail", failureReason: null, at: new Date(T0.getTime() + 1000) },
    ]);
  });

  it("reports ringing then ended for an unanswered call, and a throwing listener changes nothing", async () => {
    const events: CallEvent[] = [];
    const provider = new SimulatorProvider({ callMs: 0, clock: new ManualClock(T0) });
    const session = await provider.placeCall(
      request("+33612345678", {
        onEvent: (e) => {
          events.push(e);
          throw new Error("listener bug");
        },
      }),
    );
    expect(session.dial).toEqual(REJECTED);
    expect(await session.hangup()).toEqual({ endedAt: T0 });
    expect(events.map((e) => e.type)).toEqual(["ringing", "ended"]);
    expect(events[1]).toEqual({ type: "ended", callId: "call-1", outcome: "rejected", failureReason: null, at: T0 });
  });
});

describe("simulated call timing", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("with callMs 0 never waits on a timer (works under fake timers without advancing them)", async () => {
    vi.useFakeTimers();
    const provider = new SimulatorProvider({ callMs: 0, clock: new ManualClock(T0) });
    for (const digit of ["0", "5", "6", "7", "8", "9"]) {
      const session = await provider.placeCall(request(`+3361234567${digit}`));
      if (session.dial.answered) {
        await session.play([{ type: "tts", text: "x" }]);
        await session.collectDigits({ mode: "single_digit", timeoutMs: 5000, validDigits: [] });
        await session.record({ maxDurationMs: 1000 });
      }
      expect(await session.hangup()).toEqual({ endedAt: T0 });
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  it("an answered attempt lasts callMs from dialing to the end of hangup", async () => {
    const provider = new SimulatorProvider({ callMs: 60, clock: new ManualClock(T0) });
    const started = performance.now();
    const session = await provider.placeCall(request("+33612345670"));
    expect(performance.now() - started).toBeLessThan(50);
    await session.play([]);
    await session.hangup();
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it("an unanswered attempt rings for callMs, then hangup returns at once", async () => {
    const provider = new SimulatorProvider({ callMs: 60, clock: new ManualClock(T0) });
    const started = performance.now();
    const session = await provider.placeCall(request("+33612345676"));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    const beforeHangup = performance.now();
    await session.hangup();
    expect(performance.now() - beforeHangup).toBeLessThan(20);
  });

  it("aborting ends a long answered call promptly: media rejects, hangup resolves", async () => {
    const controller = new AbortController();
    const provider = new SimulatorProvider({ callMs: 60_000, clock: new ManualClock(T0) });
    const session = await provider.placeCall(request("+33612345670", { signal: controller.signal }));
    const started = performance.now();
    const ending = session.hangup();
    setTimeout(() => controller.abort(), 10);
    expect(await ending).toEqual({ endedAt: T0 });
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(session.play([])).rejects.toThrow();
  });

  it("aborting while an unanswered call rings rejects placeCall promptly", async () => {
    const controller = new AbortController();
    const provider = new SimulatorProvider({ callMs: 60_000, clock: new ManualClock(T0) });
    const started = performance.now();
    const placing = provider.placeCall(request("+33612345676", { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error("shutting down")), 10);
    await expect(placing).rejects.toThrow("shutting down");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("an already aborted signal rejects placeCall with an AbortError", async () => {
    const controller = new AbortController();
    controller.abort();
    const provider = new SimulatorProvider({ callMs: 0, clock: new ManualClock(T0) });
    await expect(provider.placeCall(request("+33612345670", { signal: controller.signal }))).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("refuses a negative callMs", () => {
    expect(() => new SimulatorProvider({ callMs: -1, clock: new ManualClock(T0) })).toThrow(RangeError);
  });
});

describe("createTelephony", () => {
  const base = { simCallMs: 0, twilio: null, publicUrl: null };

  it("creates the simulator", () => {
    const { provider } = createTelephony({ ...base, telephony: "simulator" }, new ManualClock(T0));
    expect(provider).toBeInstanceOf(SimulatorProvider);
    expect(provider?.name).toBe("simulator");
  });

  // The carrier became a valid provider with real calls; config validation names what it lacks.
  it("creates the Twilio carrier, and refuses it without its account and public URL", () => {
    expect(() => createTelephony({ ...base, telephony: "twilio" }, new ManualClock(T0))).toThrow(/TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and VOICECAST_PUBLIC_URL/);
    const { carrier } = createTelephony(
      { ...base, telephony: "twilio", twilio: { accountSid: "AC00000000000000000000000000000000", authToken: "t", apiUrl: "http://127.0.0.1:1" }, publicUrl: "https://x.example" },
      new ManualClock(T0),
    );
    expect(carrier?.name).toBe("twilio");
  });
});
