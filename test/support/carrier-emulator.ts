/**
 * Carrier emulator: the only stand-in the tests use for the telephone network. A real HTTP server that speaks
 * Twilio Programmable Voice as Twilio documents it, so the real `twilio` library can drive it (point
 * `client.api.baseUrl` at `baseUrl`).
 *
 * What it emulates:
 * - the Calls REST API (2010-04-01) with HTTP Basic auth and Twilio's error bodies `{ code, message, more_info,
 *   status }`: create (`To, From, Url|Twiml, Method, StatusCallback, StatusCallbackMethod, StatusCallbackEvent,
 *   MachineDetection, Timeout`; other parameters are accepted and ignored), fetch, list (`To, From, Status,
 *   StartTime[<>], EndTime[<>], PageSize, Page`) and modify (`Status=completed|canceled`, `Url`, `Method`);
 *   recordings are served as WAV files of silence;
 * - a call's life: queued → initiated → ringing → answered / no-answer / busy / failed, with the status
 *   callbacks subscribed (`CallbackSource`, `SequenceNumber`, `Timestamp`; on the final one `CallDuration` in
 *   seconds, `Duration` in billed minutes, `AnsweredBy` when detection ran), each signed with a real
 *   `X-Twilio-Signature` over the exact URL it is sent to;
 * - the outcome by the callee's last digit: 0–4 a person answers; 5 no-answer on the first two calls to that
 *   number, a person from the third; 6 no-answer; 7 busy; 8 failed; 9 an answering machine. Synchronous
 *   detection (`MachineDetection`) reports `human`, `machine_end_beep` (DetectMessageEnd) or `machine_start`
 *   (Enable); without it there is no `AnsweredBy` and a machine looks like a person;
 * - the TwiML verbs `<Say> <Play> <Pause> <Gather input=dtmf> <Record> <Redirect> <Hangup> <Reject>` with
 *   Twilio's defaults (Gather: action = the document's URL, POST, timeout 5 s, finishOnKey `#`, no numDigits
 *   limit, falls through to the next verb when nothing is pressed unless `actionOnEmptyResult="true"`; Record:
 *   timeout 5 s, finishOnKey `1234567890*#`, maxLength 3600 s, an empty recording skips the action, a hang-up
 *   during it posts the action with `Digits=hangup`); the end of a document ends the call; a failed fetch or
 *   bad TwiML ends it as Twilio's "application error" does;
 * - a scriptable callee per number (digits per Gather, seconds recorded, hang up after N ms or at the k-th verb),
 *   and switches for failures (see `CarrierEmulator`).
 *
 * What it does not: speech input, <Dial>/<Conference>/<Enqueue>/<Sms> and other verbs (a document using them
 * fails the call), asynchronous AMD, fallback URLs, recording/AMD status callbacks, the `Timeout` ring time
 * (`timing.noAnswerMs` stands for it), prices, queueing by calls per second (it counts them instead), and any
 * time in TwiML is scaled by `timing.secondMs` so that tests run fast.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CallEngine } from "./carrier-emulator/call-engine";
import { RestApi } from "./carrier-emulator/rest-api";
import { EmulatorState, noSwitches } from "./carrier-emulator/state";
import type { AccountErrorCode, NumberRefusalCode } from "./carrier-emulator/twilio-format";
import type {
  CalleeScript,
  CallbackFilter,
  CallLogEntry,
  CarrierEmulatorOptions,
  CreateLogEntry,
  EmulatorStats,
  Timing,
} from "./carrier-emulator/types";
import { WebhookSender } from "./carrier-emulator/webhook-sender";

export type * from "./carrier-emulator/types";
export type { AccountErrorCode, NumberRefusalCode } from "./carrier-emulator/twilio-format";

export interface CarrierEmulator {
  /** `http://127.0.0.1:<port>`: the `twilio` client's `api.baseUrl` */
  readonly baseUrl: string;
  readonly port: number;
  readonly accountSid: string;
  readonly authToken: string;
  stop(): Promise<void>;

  /** How the callee at one number behaves (merged over the default callee). */
  setCallee(number: string, script: Partial<CalleeScript>): void;
  setDefaultCallee(script: Partial<CalleeScript>): void;
  setTiming(timing: Partial<Timing>): void;
  /** The callee of a live call hangs up now. */
  calleeHangsUp(callSid: string): void;

  /** Drop the callbacks the filter picks (default: every status callback); they are logged as dropped. */
  dropCallbacks(filter?: CallbackFilter): void;
  /** Send the callbacks the filter picks twice (default: every status callback). */
  repeatCallbacks(filter?: CallbackFilter): void;
  /** Hold each call's status callbacks and send them when it ends, last first. */
  deliverStatusOutOfOrder(on?: boolean): void;
  /** Answer the next `count` creates with 429 (code 20429) or a 500/503 (code 20500). */
  failNextCreates(count: number, status?: 429 | 500 | 503): void;
  /** Never answer the next `count` creates (the client times out); with `createCall` the call is placed anyway. */
  hangNextCreates(count: number, opts?: { createCall?: boolean }): void;
  /** Refuse creates to this number with 400 and this code. */
  refuseNumber(number: string, code: NumberRefusalCode): void;
  /** Fail every create with an account or caller-ID error (20003 → 401, others → 400); null ends it. */
  failAllCreates(code: AccountErrorCode | null): void;
  /** GET answers 404 for this call and lists leave it out, as if the carrier did not know it (its life goes on). */
  forgetCall(callSid: string): void;
  /** Turn every switch off (scripts and timing stay). */
  resetSwitches(): void;

  /** Call log, oldest first (full logs only). */
  calls(): CallLogEntry[];
  call(callSid: string): CallLogEntry | undefined;
  callsTo(number: string): CallLogEntry[];
  /** Every create request, in arrival order (full logs only). */
  creates(): CreateLogEntry[];
  /** When each create request arrived (epoch ms; kept with counters-only logs too). */
  createTimes(): readonly number[];
  /** Most create requests seen in any window of `windowMs` (all requests, or only those that placed a call). */
  maxCreatesInWindow(windowMs?: number, opts?: { placedOnly?: boolean }): number;
  stats(): EmulatorStats;
  /** Resolves once the call ended and its last request was answered. */
  callSettled(callSid: string): Promise<CallLogEntry>;
  /** Resolves once every call settled and no request is in flight. */
  idle(timeoutMs?: number): Promise<void>;
}

function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

const statusOnly: CallbackFilter = (cb) => cb.kind === "status";

export async function startCarrierEmulator(options: CarrierEmulatorOptions): Promise<CarrierEmulator> {
  const state = new EmulatorState(options);
  const sender = new WebhookSender(options.authToken, options.webhookTimeoutMs ?? 15_000, options.webhookMaxSockets ?? 256);
  const engine = new CallEngine(state, sender);
  const api = new RestApi(engine);
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    api.handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`carrier emulator: ${err.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://${options.host ?? "127.0.0.1"}:${port}`;
  const liveCall = (sid: string) => {
    const call = state.calls.get(sid);
    if (!call) throw new Error(`carrier emulator: no call ${sid}`);
    return call;
  };

  return {
    baseUrl: state.baseUrl,
    port,
    accountSid: options.accountSid,
    authToken: options.authToken,
    async stop() {
      for (const call of state.calls.values()) {
        engine.stopFlow(call);
        if (call.stepTimer) clearTimeout(call.stepTimer);
        for (const t of call.endTimers) clearTimeout(t);
      }
      for (const res of state.heldResponses) res.destroy();
      sender.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },

    setCallee: (number, script) => void state.scripts.set(number, { ...state.scripts.get(number), ...script }),
    setDefaultCallee: (script) => void Object.assign(state.defaultCallee, script),
    setTiming: (timing) => void Object.assign(state.timing, timing),
    calleeHangsUp: (sid) => engine.end(liveCall(sid), "completed", "callee"),

    dropCallbacks: (filter = statusOnly) => void (state.switches.drop = filter),
    repeatCallbacks: (filter = statusOnly) => void (state.switches.repeat = filter),
    deliverStatusOutOfOrder: (on = true) => void (state.switches.outOfOrder = on),
    failNextCreates: (count, status = 429) => void (state.switches.failNext = { count, status }),
    hangNextCreates: (count, opts = {}) => void (state.switches.hangNext = { count, createCall: opts.createCall ?? false }),
    refuseNumber: (number, code) => void state.switches.refused.set(number, code),
    failAllCreates: (code) => void (state.switches.accountError = code),
    forgetCall: (sid) => void state.switches.forgotten.add(sid),
    resetSwitches: () => void (state.switches = noSwitches()),

    calls: () => [...state.calls.values()].map((c) => c.log),
    call: (sid) => state.calls.get(sid)?.log,
    callsTo: (number) => [...state.calls.values()].filter((c) => c.to === number).map((c) => c.log),
    creates: () => [...state.creates],
    createTimes: () => state.createTimes,
    maxCreatesInWindow(windowMs = 1000, opts = {}) {
      const times = opts.placedOnly ? state.creates.filter((e) => e.sid !== null).map((e) => e.atMs) : state.createTimes;
      return maxInWindow(times, windowMs);
    },
    stats: () => ({ ...state.counters, finalStatuses: { ...state.counters.finalStatuses }, webhookLatency: state.latencySummary() }),
    callSettled(sid) {
      const call = liveCall(sid);
      if (call.settled) return Promise.resolve(call.log);
      return new Promise((resolve) => call.settleWaiters.push(() => resolve(call.log)));
    },
    idle(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`carrier emulator not idle after ${timeoutMs} ms: ${state.unsettled} calls unsettled`)), timeoutMs);
      });
      return Promise.race([state.whenIdle(), timeout]).finally(() => clearTimeout(timer));
    },
  };
}
