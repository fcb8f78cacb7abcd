/** The emulator's state: calls, switches, logs and counters. Everything else reads and changes it. */
import type { ServerResponse } from "node:http";
import type { AccountErrorCode, CallResourceFields, NumberRefusalCode } from "./twilio-format";
import {
  CalleeScript,
  CallbackFilter,
  CallLogEntry,
  CarrierEmulatorOptions,
  CreateLogEntry,
  DEFAULT_CALLEE,
  DEFAULT_TIMING,
  MACHINE_CALLEE,
  OutgoingCallback,
  StatusEvent,
  Timing,
} from "./types";

export type Outcome = "person" | "machine" | "no-answer" | "busy" | "failed";

/** A call the emulator is running or remembers. */
export interface Call extends CallResourceFields {
  outcome: Outcome;
  url: string | null;
  method: "GET" | "POST";
  twiml: string | null;
  statusCallback: string | null;
  statusCallbackMethod: "GET" | "POST";
  events: ReadonlySet<StatusEvent>;
  machineDetection: "Enable" | "DetectMessageEnd" | null;
  script: CalleeScript;
  log: CallLogEntry;
  /** next `SequenceNumber` of its status callbacks */
  seq: number;
  /** status callbacks go out one after another, in order (unless the out-of-order switch holds them) */
  statusChain: Promise<void>;
  heldStatus: OutgoingCallback[];
  /** bumped when the TwiML being run is replaced (REST redirect) or the call ends: older runs stop */
  gen: number;
  verbsRun: number;
  gathersRun: number;
  /** the one lifecycle timer (queue, ring, answer, no-answer) and the flow's current wait, cut short on end */
  stepTimer: NodeJS.Timeout | null;
  wait: { timer: NodeJS.Timeout; resolve: () => void } | null;
  endTimers: NodeJS.Timeout[];
  /** the flow has finished but `timing.callMs` holds the line open */
  flowDone: boolean;
  /** a <Record> in progress: if the callee hangs up during it, Twilio still posts its action */
  recording: { action: string; method: "GET" | "POST"; startedAtMs: number } | null;
  requestsInFlight: number;
  settled: boolean;
  settleWaiters: Array<() => void>;
}

export interface Switches {
  drop: CallbackFilter | null;
  repeat: CallbackFilter | null;
  outOfOrder: boolean;
  failNext: { count: number; status: 429 | 500 | 503 };
  hangNext: { count: number; createCall: boolean };
  refused: Map<string, NumberRefusalCode>;
  accountError: AccountErrorCode | null;
  forgotten: Set<string>;
}

export function noSwitches(): Switches {
  return {
    drop: null,
    repeat: null,
    outOfOrder: false,
    failNext: { count: 0, status: 429 },
    hangNext: { count: 0, createCall: false },
    refused: new Map(),
    accountError: null,
    forgotten: new Set(),
  };
}

const LATENCY_SAMPLES = 100_000;
const MAX_CREATE_TIMES = 1_000_000;

export class EmulatorState {
  readonly accountSid: string;
  readonly authToken: string;
  readonly fullLogs: boolean;
  readonly maxEndedCalls: number;
  /** http://host:port of the emulator, set once it listens (recording URLs point here) */
  baseUrl = "";
  timing: Timing;
  defaultCallee: CalleeScript;
  switches = noSwitches();
  /** live calls, and ended ones while the log keeps them (insertion order = creation order) */
  readonly calls = new Map<string, Call>();
  private readonly endedSids: string[] = [];
  readonly callsPerNumber = new Map<string, number>();
  readonly scripts = new Map<string, Partial<CalleeScript>>();
  readonly recordings = new Map<string, number>();
  readonly creates: CreateLogEntry[] = [];
  readonly createTimes: number[] = [];
  readonly heldResponses = new Set<ServerResponse>();
  counters = {
    createRequests: 0,
    callsCreated: 0,
    callsInFlight: 0,
    maxCallsInFlight: 0,
    callsEnded: 0,
    finalStatuses: {} as Record<string, number>,
    webhooksSent: 0,
    webhooksFailed: 0,
    webhooksDropped: 0,
    webhooksInFlight: 0,
  };
  private readonly latency = new Float64Array(LATENCY_SAMPLES);
  private latencyCount = 0;
  private idleWaiters: Array<() => void> = [];
  /** calls created and not yet settled */
  unsettled = 0;

  constructor(opts: CarrierEmulatorOptions) {
    this.accountSid = opts.accountSid;
    this.authToken = opts.authToken;
    this.fullLogs = (opts.logs ?? "full") === "full";
    this.maxEndedCalls = opts.maxEndedCalls ?? 100_000;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.defaultCallee = { ...DEFAULT_CALLEE, ...opts.callee };
  }

  /** The callee at a number: its own script over the default (a machine's default is silence). */
  scriptFor(number: string, outcome: Outcome): CalleeScript {
    const base = outcome === "machine" ? MACHINE_CALLEE : this.defaultCallee;
    return { ...base, ...this.scripts.get(number) };
  }

  noteCreateRequest(entry: CreateLogEntry): void {
    this.counters.createRequests++;
    if (this.createTimes.length < MAX_CREATE_TIMES) this.createTimes.push(entry.atMs);
    if (this.fullLogs) this.creates.push(entry);
  }

  noteLatency(ms: number): void {
    this.latency[this.latencyCount % LATENCY_SAMPLES] = ms;
    this.latencyCount++;
  }

  latencySummary(): { count: number; p50: number; p99: number; max: number } {
    const n = Math.min(this.latencyCount, LATENCY_SAMPLES);
    if (n === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    const sorted = Float64Array.from(this.latency.subarray(0, n)).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))];
    return { count: this.latencyCount, p50: at(0.5), p99: at(0.99), max: sorted[n - 1] };
  }

  /** A call is settled once it ended and none of its requests is still in flight. */
  maybeSettle(call: Call): void {
    if (call.settled || call.endedAtMs === null || call.requestsInFlight > 0 || call.heldStatus.length > 0) return;
    call.settled = true;
    this.unsettled--;
    for (const w of call.settleWaiters.splice(0)) w();
    if (!this.fullLogs) this.calls.delete(call.sid);
    else {
      this.endedSids.push(call.sid);
      if (this.endedSids.length > this.maxEndedCalls) this.calls.delete(this.endedSids.shift()!);
    }
    this.checkIdle();
  }

  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.unsettled > 0 || this.counters.webhooksInFlight > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
