/** A call's life: queued → initiated → ringing → answered or not → ended, with Twilio's status callbacks. */
import { Call, EmulatorState, Outcome } from "./state";
import { runFlow } from "./twiml-runner";
import { API_VERSION, callDurationS, newSid, rfc2822 } from "./twilio-format";
import type { CallStatus, OutgoingCallback, StatusEvent } from "./types";
import type { WebhookResult, WebhookSender } from "./webhook-sender";

export interface PlaceCall {
  to: string;
  from: string;
  url: string | null;
  method: "GET" | "POST";
  twiml: string | null;
  statusCallback: string | null;
  statusCallbackMethod: "GET" | "POST";
  events: StatusEvent[];
  machineDetection: "Enable" | "DetectMessageEnd" | null;
  timeoutS: number | null;
}

/** The outcome of the n-th call to a number, by its last digit (as the simulator does, in Twilio's statuses). */
export function outcomeFor(to: string, nth: number): Outcome {
  const d = Number(to.at(-1));
  if (d <= 4) return "person";
  if (d === 5) return nth <= 2 ? "no-answer" : "person";
  return (["no-answer", "busy", "failed", "machine"] as const)[d - 6];
}

export class CallEngine {
  constructor(
    readonly state: EmulatorState,
    private readonly sender: WebhookSender,
  ) {}

  place(p: PlaceCall): Call {
    const { state } = this;
    const now = Date.now();
    const nth = (state.callsPerNumber.get(p.to) ?? 0) + 1;
    state.callsPerNumber.set(p.to, nth);
    const outcome = outcomeFor(p.to, nth);
    const sid = newSid("CA");
    const call: Call = {
      sid,
      accountSid: state.accountSid,
      to: p.to,
      from: p.from,
      status: "queued",
      answeredBy: null,
      createdAtMs: now,
      updatedAtMs: now,
      startedAtMs: null,
      answeredAtMs: null,
      endedAtMs: null,
      outcome,
      url: p.url,
      method: p.method,
      twiml: p.twiml,
      statusCallback: p.statusCallback,
      statusCallbackMethod: p.statusCallbackMethod,
      events: new Set(p.events),
      machineDetection: p.machineDetection,
      script: state.scriptFor(p.to, outcome),
      log: {
        sid, to: p.to, from: p.from, createdAtMs: now, answeredAtMs: null, endedAtMs: null, status: "queued",
        answeredBy: null, answerer: null, personAnswered: false, machineDetection: p.machineDetection,
        timeoutS: p.timeoutS, verbs: [], digits: [], recordings: [], hangupBy: null, errors: [], webhooks: [],
      },
      seq: 0,
      statusChain: Promise.resolve(),
      heldStatus: [],
      gen: 0,
      verbsRun: 0,
      gathersRun: 0,
      stepTimer: null,
      wait: null,
      endTimers: [],
      flowDone: false,
      recording: null,
      requestsInFlight: 0,
      settled: false,
      settleWaiters: [],
    };
    state.calls.set(sid, call);
    state.unsettled++;
    const c = state.counters;
    c.callsCreated++;
    c.callsInFlight++;
    c.maxCallsInFlight = Math.max(c.maxCallsInFlight, c.callsInFlight);
    this.step(call, state.timing.queueMs, () => this.initiate(call));
    return call;
  }

  private step(call: Call, ms: number, fn: () => void): void {
    call.stepTimer = setTimeout(() => {
      call.stepTimer = null;
      fn();
    }, ms);
  }

  private setStatus(call: Call, status: CallStatus): void {
    call.status = status;
    call.log.status = status;
    call.updatedAtMs = Date.now();
  }

  private initiate(call: Call): void {
    call.startedAtMs = call.updatedAtMs = Date.now();
    this.statusEvent(call, "initiated", "initiated");
    const { outcome } = call;
    if (outcome === "busy" || outcome === "failed") this.step(call, this.state.timing.ringMs, () => this.end(call, outcome, null));
    else this.step(call, this.state.timing.ringMs, () => this.ring(call));
  }

  private ring(call: Call): void {
    this.setStatus(call, "ringing");
    this.statusEvent(call, "ringing", "ringing");
    const { timing } = this.state;
    if (call.outcome === "no-answer") this.step(call, timing.noAnswerMs, () => this.end(call, "no-answer", null));
    else this.step(call, timing.answerMs, () => this.answer(call));
  }

  private answer(call: Call): void {
    const { timing } = this.state;
    const person = call.outcome === "person";
    this.setStatus(call, "in-progress");
    call.answeredAtMs = call.log.answeredAtMs = call.updatedAtMs;
    call.log.answerer = person ? "person" : "machine";
    call.log.personAnswered = person;
    if (call.machineDetection) {
      call.answeredBy = person ? "human" : call.machineDetection === "DetectMessageEnd" ? "machine_end_beep" : "machine_start";
      call.log.answeredBy = call.answeredBy;
    }
    this.statusEvent(call, "answered", "in-progress");
    if (call.script.hangUpAfterMs !== null) call.endTimers.push(setTimeout(() => this.end(call, "completed", "callee"), call.script.hangUpAfterMs));
    if (timing.callMs !== null) {
      call.endTimers.push(setTimeout(() => this.end(call, "completed", call.flowDone ? "caller" : "callee"), timing.callMs));
    }
    // Synchronous detection: the voice URL is fetched once the detection is done, with its AnsweredBy.
    if (call.machineDetection) this.step(call, timing.amdMs, () => runFlow(this, call));
    else runFlow(this, call);
  }

  /** The TwiML ran out or hung up: the call ends now, or when `timing.callMs` says. */
  flowFinished(call: Call): void {
    if (call.endedAtMs !== null) return;
    if (this.state.timing.callMs === null) this.end(call, "completed", "caller");
    else call.flowDone = true;
  }

  /** A TwiML fetch or parse failed: Twilio says "an application error has occurred" and hangs up. */
  flowFailed(call: Call, error: string): void {
    call.log.errors.push(error);
    this.end(call, "completed", "error");
  }

  end(call: Call, status: CallStatus, by: Call["log"]["hangupBy"]): void {
    if (call.endedAtMs !== null) return;
    const recording = call.recording;
    this.stopFlow(call);
    if (call.stepTimer) clearTimeout(call.stepTimer);
    call.stepTimer = null;
    for (const t of call.endTimers) clearTimeout(t);
    call.endTimers = [];
    this.setStatus(call, status);
    call.endedAtMs = call.log.endedAtMs = call.updatedAtMs;
    call.log.hangupBy = call.answeredAtMs === null ? null : by;
    const c = this.state.counters;
    c.callsInFlight--;
    c.callsEnded++;
    c.finalStatuses[status] = (c.finalStatuses[status] ?? 0) + 1;
    // Twilio still posts a <Record>'s action when the callee hangs up during it, with Digits=hangup.
    if (recording && by === "callee") this.recordingCutShort(call, recording);
    this.statusEvent(call, "completed", status, true);
    if (call.heldStatus.length > 0) this.flushHeld(call);
    this.state.maybeSettle(call);
  }

  /** Stops the TwiML now running (its waits end at once, its later steps do nothing). */
  stopFlow(call: Call): void {
    call.gen++;
    call.recording = null;
    if (call.wait) {
      clearTimeout(call.wait.timer);
      call.wait.resolve();
      call.wait = null;
    }
  }

  /** Waits ms; false when the call ended or its TwiML was replaced meanwhile. */
  sleep(call: Call, gen: number, ms: number): Promise<boolean> {
    if (call.gen !== gen) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        call.wait = null;
        resolve(call.gen === gen);
      }, ms);
      call.wait = { timer, resolve: () => resolve(false) };
    });
  }

  /** Counts a verb about to run; false when the callee hangs up right there. */
  countVerb(call: Call, name: string): boolean {
    call.verbsRun++;
    if (call.script.hangUpAtVerb === call.verbsRun) {
      this.end(call, "completed", "callee");
      return false;
    }
    if (this.state.fullLogs) call.log.verbs.push(name);
    return true;
  }

  /** The parameters of every request about a call (Twilio's voice request parameters). */
  callParams(call: Call): Record<string, string> {
    const p: Record<string, string> = {
      AccountSid: call.accountSid,
      ApiVersion: API_VERSION,
      CallSid: call.sid,
      CallStatus: call.status,
      Called: call.to,
      Caller: call.from,
      Direction: "outbound-api",
      From: call.from,
      To: call.to,
    };
    if (call.answeredBy) p.AnsweredBy = call.answeredBy;
    return p;
  }

  private recordingCutShort(call: Call, r: NonNullable<Call["recording"]>): void {
    const seconds = Math.max(1, Math.ceil((Date.now() - r.startedAtMs) / this.state.timing.secondMs));
    const info = this.newRecording(call, seconds, "hangup");
    const params = { ...this.callParams(call), RecordingUrl: info.url, RecordingDuration: String(seconds), RecordingSid: info.sid, Digits: "hangup" };
    void this.request(call, { kind: "record", callSid: call.sid, to: call.to, url: r.action, method: r.method, params, event: null, final: false });
  }

  newRecording(call: Call, durationS: number, digits: string): { sid: string; url: string } {
    const sid = newSid("RE");
    const url = `${this.state.baseUrl}/${API_VERSION}/Accounts/${call.accountSid}/Recordings/${sid}`;
    if (this.state.fullLogs) {
      call.log.recordings.push({ sid, url, durationS, digits });
      this.state.recordings.set(sid, durationS);
    }
    return { sid, url };
  }

  private statusEvent(call: Call, event: StatusEvent, callStatus: string, final = false): void {
    if (!call.statusCallback || !call.events.has(event)) return;
    const params: Record<string, string> = {
      ...this.callParams(call),
      CallStatus: callStatus,
      Timestamp: rfc2822(Date.now())!,
      CallbackSource: "call-progress-events",
      SequenceNumber: String(call.seq++),
    };
    if (!final || !call.answeredBy) delete params.AnsweredBy;
    if (final) {
      const seconds = callDurationS(call);
      params.CallDuration = String(seconds);
      params.Duration = String(Math.ceil(seconds / 60)); // Twilio's Duration is billed minutes
    }
    const cb: OutgoingCallback = { kind: "status", callSid: call.sid, to: call.to, url: call.statusCallback, method: call.statusCallbackMethod, params, event, final };
    if (this.state.switches.outOfOrder) call.heldStatus.push(cb);
    else this.queueStatus(call, cb);
  }

  private queueStatus(call: Call, cb: OutgoingCallback): void {
    call.requestsInFlight++;
    call.statusChain = call.statusChain.then(async () => {
      await this.deliver(call, cb);
      call.requestsInFlight--;
      this.state.maybeSettle(call);
    });
  }

  /** Out-of-order switch: the held status callbacks go out last first. */
  private flushHeld(call: Call): void {
    for (const cb of call.heldStatus.splice(0).reverse()) this.queueStatus(call, cb);
  }

  /** Sends one request about a call and keeps the call unsettled until it is answered. */
  async request(call: Call, cb: OutgoingCallback): Promise<WebhookResult | null> {
    call.requestsInFlight++;
    try {
      return await this.deliver(call, cb);
    } finally {
      call.requestsInFlight--;
      this.state.maybeSettle(call);
    }
  }

  /** Applies the drop and repeat switches, sends, logs. Null when dropped. */
  private async deliver(call: Call, cb: OutgoingCallback): Promise<WebhookResult | null> {
    const { state } = this;
    const c = state.counters;
    const log = (r: WebhookResult | null, repeat: boolean) => {
      if (!state.fullLogs) return;
      call.log.webhooks.push({
        kind: cb.kind, url: cb.url, method: cb.method, params: cb.params, atMs: Date.now(), status: r?.status ?? null,
        ms: r ? r.ms : null, dropped: r === null, repeat, error: r?.error ?? null, body: r && cb.kind !== "status" ? r.body : null,
      });
    };
    if (state.switches.drop?.(cb)) {
      c.webhooksDropped++;
      log(null, false);
      return null;
    }
    const times = state.switches.repeat?.(cb) ? 2 : 1;
    let first: WebhookResult | null = null;
    for (let i = 0; i < times; i++) {
      c.webhooksSent++;
      c.webhooksInFlight++;
      const r = await this.sender.send(cb.url, cb.method, cb.params);
      c.webhooksInFlight--;
      if (r.status === null || r.status >= 400) c.webhooksFailed++;
      else state.noteLatency(r.ms);
      log(r, i > 0);
      first ??= r;
    }
    state.checkIdle();
    return first;
  }
}
