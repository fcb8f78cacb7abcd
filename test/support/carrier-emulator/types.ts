/** Public types of the carrier emulator, and its defaults. */

/** A call's status as Twilio's Calls resource reports it. */
export type CallStatus = "queued" | "ringing" | "in-progress" | "completed" | "busy" | "failed" | "no-answer" | "canceled";
export const FINAL_STATUSES: ReadonlySet<CallStatus> = new Set(["completed", "busy", "failed", "no-answer", "canceled"]);

/** The `StatusCallbackEvent` values Twilio accepts for a call. */
export type StatusEvent = "initiated" | "ringing" | "answered" | "completed";

/** Real time each emulated step takes, in milliseconds. */
export interface Timing {
  /** create → `initiated` (the call leaves Twilio's queue and is dialled) */
  queueMs: number;
  /** `initiated` → `ringing` (also how long a busy or failed call takes to fail) */
  ringMs: number;
  /** `ringing` → answered */
  answerMs: number;
  /** `ringing` → `no-answer` (stands for the `Timeout` seconds Twilio would ring) */
  noAnswerMs: number;
  /** extra time answering-machine detection takes before the voice URL is fetched (`MachineDetection` set) */
  amdMs: number;
  /** each `<Say>` */
  sayMs: number;
  /** each `<Play>` */
  playMs: number;
  /** one TwiML second: `<Pause length>`, a silent `<Gather timeout>`, recorded seconds and `<Record timeout>` */
  secondMs: number;
  /** time the callee takes to press their digits at a `<Gather>` */
  digitMs: number;
  /**
   * Bench knob: when set, every answered call ends exactly this long after it was answered, whatever its TwiML
   * does (the end of the flow waits for it; a flow still running then is cut off as if the callee hung up).
   */
  callMs: number | null;
}

export const DEFAULT_TIMING: Timing = {
  queueMs: 5,
  ringMs: 20,
  answerMs: 20,
  noAnswerMs: 60,
  amdMs: 10,
  sayMs: 10,
  playMs: 10,
  secondMs: 20,
  digitMs: 10,
  callMs: null,
};

/** How the person (or machine) at a number behaves once the call is answered. */
export interface CalleeScript {
  /** Digits pressed at the 1st, 2nd, … `<Gather>` of a call; `null` = stays silent. After the list: `defaultDigits`. */
  digits: Array<string | null>;
  /** Digits pressed at any further `<Gather>` (`null` = silent). Default `"1"`. */
  defaultDigits: string | null;
  /** Seconds of audio left at a `<Record>` (0 = says nothing: Twilio then skips the action and goes on). Default 2. */
  recordSeconds: number;
  /** How a recording ends: the callee presses a `finishOnKey` key (`"key"`, the default) or falls silent (`"silence"`). */
  recordEnd: "key" | "silence";
  /** The callee hangs up this many ms after answering. */
  hangUpAfterMs: number | null;
  /** The callee hangs up as the k-th TwiML verb of the call (1-based, nested verbs included) is about to run. */
  hangUpAtVerb: number | null;
}

export const DEFAULT_CALLEE: CalleeScript = {
  digits: [],
  defaultDigits: "1",
  recordSeconds: 2,
  recordEnd: "key",
  hangUpAfterMs: null,
  hangUpAtVerb: null,
};

/** An answering machine: silent at every `<Gather>`, leaves nothing at a `<Record>`, never hangs up. */
export const MACHINE_CALLEE: CalleeScript = { ...DEFAULT_CALLEE, defaultDigits: null, recordSeconds: 0 };

export interface CarrierEmulatorOptions {
  accountSid: string;
  authToken: string;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  timing?: Partial<Timing>;
  /** Default callee behaviour for numbers without their own script. */
  callee?: Partial<CalleeScript>;
  /** `"full"` (default) keeps a call log entry per call; `"counters"` forgets ended calls and keeps counters only. */
  logs?: "full" | "counters";
  /** In `"full"` mode, at most this many ended calls are kept (oldest dropped first). Default 100,000. */
  maxEndedCalls?: number;
  /** Timeout of each webhook request the emulator sends (Twilio's is 15 s). Default 15,000. */
  webhookTimeoutMs?: number;
  /** Sockets of the keep-alive agent per webhook host. Default 256. */
  webhookMaxSockets?: number;
}

/** What kind of request the emulator sends to the application. */
export type CallbackKind = "status" | "voice" | "gather" | "record" | "redirect";

/** One outgoing request, as switches and predicates see it. */
export interface OutgoingCallback {
  kind: CallbackKind;
  callSid: string;
  to: string;
  url: string;
  method: "GET" | "POST";
  params: Record<string, string>;
  /** status callbacks: the subscribed event, and whether this is the call's final one */
  event: StatusEvent | null;
  final: boolean;
}

export type CallbackFilter = (cb: OutgoingCallback) => boolean;

/** One request the emulator sent (or dropped), with what came back. */
export interface WebhookLogEntry {
  kind: CallbackKind;
  url: string;
  method: "GET" | "POST";
  params: Record<string, string>;
  atMs: number;
  /** HTTP status; null when dropped by a switch or the request failed */
  status: number | null;
  ms: number | null;
  dropped: boolean;
  /** a repeat sent by the repeat switch */
  repeat: boolean;
  error: string | null;
  /** the TwiML answered, for voice/gather/record/redirect requests */
  body: string | null;
}

export interface RecordingInfo {
  sid: string;
  url: string;
  durationS: number;
  digits: string;
}

export interface CallLogEntry {
  sid: string;
  to: string;
  from: string;
  createdAtMs: number;
  answeredAtMs: number | null;
  endedAtMs: number | null;
  /** current status; the final one once `endedAtMs` is set */
  status: CallStatus;
  /** `AnsweredBy` as reported (null without detection) */
  answeredBy: string | null;
  /** ground truth: who picked up, whatever detection said */
  answerer: "person" | "machine" | null;
  personAnswered: boolean;
  machineDetection: string | null;
  /** `Timeout` requested on create, in seconds (the ring time is `timing.noAnswerMs`) */
  timeoutS: number | null;
  /** TwiML verbs run, in order; nested ones as `Gather/Say` */
  verbs: string[];
  /** per `<Gather>` run: the digits sent, or null when it timed out silent */
  digits: Array<string | null>;
  recordings: RecordingInfo[];
  /** who ended an answered call: the TwiML (`caller`), the callee, or the REST API */
  hangupBy: "caller" | "callee" | "api" | "error" | null;
  /** TwiML retrieval/parse errors that ended the call */
  errors: string[];
  webhooks: WebhookLogEntry[];
}

export interface CreateLogEntry {
  atMs: number;
  to: string | null;
  /** HTTP status answered; null when the request was held open by the hang switch */
  httpStatus: number | null;
  code: number | null;
  sid: string | null;
}

export interface EmulatorStats {
  createRequests: number;
  callsCreated: number;
  callsInFlight: number;
  maxCallsInFlight: number;
  callsEnded: number;
  finalStatuses: Record<string, number>;
  webhooksSent: number;
  webhooksFailed: number;
  webhooksDropped: number;
  webhooksInFlight: number;
  /** latency of the webhook requests answered, in ms (the last 100,000) */
  webhookLatency: { count: number; p50: number; p99: number; max: number };
}
