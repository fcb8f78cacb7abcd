// Simulated telephony: like a carrier's test numbers, the last digit of the dialled number and
// the attempt number decide the outcome. Every attempt takes `callMs` of real time from dialing to its end,
// whatever the flow does; with callMs 0 nothing waits on a timer, so benchmarks can push thousands of calls/s.

import { performance } from "node:perf_hooks";
import type { Clock } from "../../shared/clock";
import type { CallOutcome } from "./call-outcome";
import {
  abortError,
  type AudioItem,
  type CallEvent,
  type CallSession,
  type CollectDigitsOptions,
  type DialResult,
  type PlaceCallRequest,
  type RecordingResult,
  type TelephonyProvider,
} from "./telephony.provider";

export interface SimulatorProviderOptions {
  /** Time from dialing to the end of one attempt (VOICECAST_SIM_CALL_MS). */
  callMs: number;
  clock: Clock;
}

/** Digit order used to pick "the lowest branch digit". */
const DIGIT_ORDER = "0123456789*#";

function digitRank(digit: string): number {
  const i = DIGIT_ORDER.indexOf(digit);
  return digit.length === 1 && i >= 0 ? i : DIGIT_ORDER.length;
}

/** The lowest of `digits` (0-9, then *, then #), or null when there is none. */
export function lowestDigit(digits: readonly string[]): string | null {
  if (digits.length === 0) return null;
  return [...digits].sort((a, b) => digitRank(a) - digitRank(b) || (a < b ? -1 : a > b ? 1 : 0))[0];
}

/**
 * Outcome by the last digit: 0-4 a person, 5 no answer on attempts 1 and 2 then a person, 6 no answer, 7 busy,
 * 8 rejected, 9 voicemail. A number without any digit answers as a person (the simulator never fails).
 */
export function simulatedDialResult(to: string, attemptNumber: number, enableAMD: boolean): DialResult {
  const digits = to.replace(/\D/g, "");
  const last = digits.length > 0 ? digits[digits.length - 1] : "0";
  switch (last) {
    case "5":
      return attemptNumber <= 2
        ? { answered: false, outcome: "noAnswer", failureReason: null }
        : { answered: true, answeredBy: "human" };
    case "6":
      return { answered: false, outcome: "noAnswer", failureReason: null };
    case "7":
      return { answered: false, outcome: "busy", failureReason: null };
    case "8":
      return { answered: false, outcome: "rejected", failureReason: null };
    case "9":
      // Without AMD a machine cannot be told from a person.
      return { answered: true, answeredBy: enableAMD ? "machine" : "human" };
    default:
      return { answered: true, answeredBy: "human" };
  }
}

/** Waits `ms` of real time. On abort it rejects (`rejectOnAbort`) or resolves early. No timer at all for ms <= 0. */
function wait(ms: number, signal: AbortSignal, rejectOnAbort: boolean): Promise<void> {
  if (signal.aborted) return rejectOnAbort ? Promise.reject(abortError(signal)) : Promise.resolve();
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      if (rejectOnAbort) reject(abortError(signal));
      else resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function emit(request: PlaceCallRequest, event: CallEvent): void {
  if (!request.onEvent) return;
  try {
    request.onEvent(event);
  } catch {
    // A listener's bug must not change the call's outcome.
  }
}

class SimulatedCall implements CallSession {
  readonly callId: string;
  private ending: Promise<{ endedAt: Date }> | null = null;
  private recordings = 0;

  constructor(
    private readonly request: PlaceCallRequest,
    readonly dial: DialResult,
    readonly answeredAt: Date | null,
    private readonly dialStartedMs: number,
    private readonly callMs: number,
    private readonly clock: Clock,
    endedAt: Date | null,
  ) {
    this.callId = request.callId;
    if (endedAt) this.ending = Promise.resolve({ endedAt });
  }

  private assertLive(): void {
    if (this.request.signal.aborted) throw abortError(this.request.signal);
    if (!this.dial.answered) throw new Error(`call ${this.callId} was not answered (${this.dial.outcome})`);
    if (this.ending) throw new Error(`call ${this.callId} has ended`);
  }

  async play(_audioItems: readonly AudioItem[]): Promise<void> {
    this.assertLive();
  }

  async collectDigits(options: CollectDigitsOptions): Promise<string | null> {
    this.assertLive();
    // The simulated person picks the first menu entry; with no menu they stay silent (a timeout).
    return lowestDigit(options.validDigits);
  }

  async record(options: { maxDurationMs: number }): Promise<RecordingResult> {
    this.assertLive();
    this.recordings += 1;
    return {
      recordingId: `sim-rec-${this.callId}-${this.recordings}`,
      durationMs: Math.max(0, Math.min(Math.floor(this.callMs / 2), options.maxDurationMs)),
    };
  }

  hangup(_reason?: string): Promise<{ endedAt: Date }> {
    if (!this.ending) this.ending = this.finish();
    return this.ending;
  }

  private async finish(): Promise<{ endedAt: Date }> {
    // The attempt lasts callMs since dialing however short the flow was; an abort cuts it short.
    const remaining = this.callMs - (performance.now() - this.dialStartedMs);
    await wait(remaining, this.request.signal, false);
    const endedAt = this.clock.now();
    const outcome: CallOutcome =
      this.dial.answered && this.dial.answeredBy === "machine" ? "voicemail" : "completed";
    emit(this.request, { type: "ended", callId: this.callId, outcome, failureReason: null, at: endedAt });
    return { endedAt };
  }
}

export class SimulatorProvider implements TelephonyProvider {
  readonly name = "simulator";
  private readonly callMs: number;
  private readonly clock: Clock;

  constructor(options: SimulatorProviderOptions) {
    if (!Number.isFinite(options.callMs) || options.callMs < 0)
      throw new RangeError(`callMs must be a non-negative number (got ${options.callMs})`);
    this.callMs = options.callMs;
    this.clock = options.clock;
  }

  async placeCall(request: PlaceCallRequest): Promise<CallSession> {
    if (request.signal.aborted) throw abortError(request.signal);
    const dialStartedMs = performance.now();
    emit(request, { type: "ringing", callId: request.callId, at: this.clock.now() });
    const dial = simulatedDialResult(request.to, request.attemptNumber, request.enableAMD);

    if (!dial.answered) {
      // Nobody picks up: the whole attempt is ringing, then the call is over.
      await wait(this.callMs, request.signal, true);
      const endedAt = this.clock.now();
      emit(request, {
        type: "ended",
        callId: request.callId,
        outcome: dial.outcome,
        failureReason: dial.failureReason,
        at: endedAt,
      });
      return new SimulatedCall(request, dial, null, dialStartedMs, this.callMs, this.clock, endedAt);
    }

    const answeredAt = this.clock.now();
    emit(request, { type: "answered", callId: request.callId, answeredBy: dial.answeredBy, at: answeredAt });
    return new SimulatedCall(request, dial, answeredAt, dialStartedMs, this.callMs, this.clock, null);
  }
}
