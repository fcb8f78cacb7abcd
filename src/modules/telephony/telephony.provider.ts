// The seam between the dispatcher and a carrier. The flow interpreter only speaks this interface, so a real
// adapter (SIP trunk, Twilio-style REST + status callbacks) can be added next to the simulator without touching
// the dispatcher. Kept small on purpose: one call = placeCall, then media operations, then hangup.

import type { AudioItem } from "../flow/flow.types";
import type { CallOutcome } from "./call-outcome";

/** Who picked up; a carrier that cannot tell says `unknown` (treated as a person). */
export type AnsweredBy = "human" | "machine" | "unknown";

/** Dial outcomes that end the call before anyone picks up. */
export type UnansweredOutcome = "noAnswer" | "busy" | "rejected" | "failed";

export type { AudioItem } from "../flow/flow.types";

/** Progress a provider reports while the call runs (e.g. from status callbacks); informational only. */
export type CallEvent =
  | { type: "ringing"; callId: string; at: Date }
  | { type: "answered"; callId: string; answeredBy: AnsweredBy; at: Date }
  | { type: "ended"; callId: string; outcome: CallOutcome; failureReason: string | null; at: Date };

export interface PlaceCallRequest {
  /** Our id of this attempt; providers may use it as an idempotency key or in their own references. */
  callId: string;
  /** E.164 number to dial. */
  to: string;
  /** 1-based attempt number of this contact in its execution. */
  attemptNumber: number;
  /** How long to ring before giving up with `noAnswer`. */
  timeoutMs: number;
  /** Answering-machine detection; without it a machine is reported as a human. */
  enableAMD: boolean;
  /**
   * Aborting ends the call promptly: pending operations reject, hangup resolves at once. One signal per call:
   * providers add a listener while they wait, and listeners on a signal shared by thousands of calls get slow.
   */
  signal: AbortSignal;
  onEvent?: (event: CallEvent) => void;
}

/** How the dial ended. */
export type DialResult =
  | { answered: true; answeredBy: AnsweredBy }
  | { answered: false; outcome: UnansweredOutcome; failureReason: string | null };

export interface CollectDigitsOptions {
  mode: "single_digit" | "multi_digit";
  timeoutMs: number;
  /** Digits that lead somewhere (dtmf branches), lowest first; empty when any input is accepted. */
  validDigits: readonly string[];
}

export interface RecordingResult {
  recordingId: string;
  durationMs: number;
}

/**
 * One placed call. Media operations are only valid on an answered call and reject otherwise (or once the call
 * has ended, or the request's signal aborted). `hangup` is idempotent and never rejects for a call already over.
 */
export interface CallSession {
  readonly callId: string;
  readonly dial: DialResult;
  /** When the callee (person or machine) picked up; null when not answered. */
  readonly answeredAt: Date | null;
  play(audioItems: readonly AudioItem[]): Promise<void>;
  /** Resolves with the digits pressed, or null when nothing was pressed before `timeoutMs`. */
  collectDigits(options: CollectDigitsOptions): Promise<string | null>;
  record(options: { maxDurationMs: number }): Promise<RecordingResult>;
  /** Ends the call (a no-op if it is already over) and resolves with when it ended. */
  hangup(reason?: string): Promise<{ endedAt: Date }>;
}

export interface TelephonyProvider {
  readonly name: string;
  /**
   * Dials and resolves once the dial has a result: answered (human or machine) or not.
   * Rejects when the signal aborts before that, or when the provider itself fails (recorded as `provider_error`).
   */
  placeCall(request: PlaceCallRequest): Promise<CallSession>;
}

/** The error a provider operation rejects with once its signal aborted. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === "string" ? reason : "The call was aborted");
  err.name = "AbortError";
  return err;
}
