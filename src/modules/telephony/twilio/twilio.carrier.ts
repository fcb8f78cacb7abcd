import twilio from "twilio";
import { Carrier, CarrierCall, CarrierCallStatus, CarrierError, CreateCallRequest } from "../carrier";

// Twilio Programmable Voice (and compatible carriers such as SignalWire's LaML API) through the official helper
// library: it makes the REST requests (Basic auth, form bodies), so only the mapping of answers lives here.

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** Base of the REST API (https://api.twilio.com, a SignalWire space's LaML URL, or a test emulator). */
  apiUrl: string;
  /** Base URL at which the carrier reaches this deployment's webhooks. */
  publicUrl: string;
  /** How long a REST request may take before it counts as a timeout. */
  requestTimeoutMs?: number;
}

/** The carrier refused the callee's number (invalid, not mobile-capable, not allowed, unsubscribed). */
const NUMBER_ERRORS = new Set([21211, 21214, 21217, 21610]);
/** Credentials or caller ID: nothing a contact did. */
const ACCOUNT_ERRORS = new Set([20003, 21210, 21212, 21215]);
const TIMEOUT_CODES = new Set(["ECONNABORTED", "ETIMEDOUT", "ESOCKETTIMEDOUT"]);

export function webhookPaths(attemptId: string): { voice: string; status: string } {
  return { voice: `/telephony/twilio/voice/${attemptId}`, status: `/telephony/twilio/status/${attemptId}` };
}

/** Times on the REST call and in TwiML are whole seconds. */
export function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export class TwilioCarrier implements Carrier {
  readonly name = "twilio";
  private readonly client: twilio.Twilio;

  constructor(private readonly o: TwilioOptions) {
    this.client = twilio(o.accountSid, o.authToken, {
      // The library's default of 20 sockets per host would queue requests at a few hundred calls per second, and a
      // queue releases them in bursts, over the carrier's calls-per-second limit.
      httpClient: new twilio.RequestClient({ timeout: o.requestTimeoutMs ?? 10_000, keepAlive: true, maxSockets: 512, maxTotalSockets: 512, maxFreeSockets: 64 }),
      autoRetry: false,
    });
    this.client.api.baseUrl = o.apiUrl;
  }

  async createCall(r: CreateCallRequest): Promise<{ callId: string }> {
    const paths = webhookPaths(r.attemptId);
    try {
      const call = await this.client.calls.create({
        to: r.to,
        from: r.from,
        url: this.o.publicUrl + paths.voice,
        method: "POST",
        statusCallback: this.o.publicUrl + paths.status,
        statusCallbackMethod: "POST",
        statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
        timeout: seconds(r.timeoutMs),
        // Synchronous detection that waits for the end of the greeting, so a flow can speak after the beep.
        ...(r.enableAMD ? { machineDetection: "DetectMessageEnd" } : {}),
      });
      return { callId: call.sid };
    } catch (err) {
      throw toCarrierError(err);
    }
  }

  async fetchCall(callId: string): Promise<CarrierCall | null> {
    try {
      return toCall(await this.client.calls(callId).fetch());
    } catch (err) {
      const e = toCarrierError(err);
      if (e.status === 404) return null;
      throw e;
    }
  }

  async findCall(to: string, since: Date): Promise<CarrierCall | null> {
    try {
      const calls = await this.client.calls.list({ to, startTimeAfter: since, limit: 20 });
      const created = calls.filter((c) => (c.dateCreated?.getTime() ?? Infinity) >= since.getTime() - 1000);
      return created.length > 0 ? toCall(created[0]) : null;
    } catch (err) {
      throw toCarrierError(err);
    }
  }
}

function toCall(c: { sid: string; status: string; answeredBy?: string | null; startTime?: Date | null; endTime?: Date | null }): CarrierCall {
  return { id: c.sid, status: c.status as CarrierCallStatus, answeredBy: c.answeredBy ?? null, startedAt: c.startTime ?? null, endedAt: c.endTime ?? null };
}

/** Sorts a REST failure into what the dispatcher does about it. */
export function toCarrierError(err: unknown): CarrierError {
  const e = err as { status?: number; code?: number | string; message?: string };
  const message = e?.message ?? String(err);
  if (typeof e?.status === "number") {
    const code = typeof e.code === "number" ? e.code : null;
    if (e.status === 429 || e.status >= 500) return new CarrierError("transient", message, code, e.status);
    if (code !== null && NUMBER_ERRORS.has(code)) return new CarrierError("number", message, code, e.status);
    if (e.status === 401 || e.status === 403 || (code !== null && ACCOUNT_ERRORS.has(code))) return new CarrierError("account", message, code, e.status);
    // Calls.json not found: the account in the URL does not exist.
    if (e.status === 404) return new CarrierError("account", message, code, e.status);
    // Any other 4xx about a call we asked for is about the number or its parameters.
    return new CarrierError("number", message, code, e.status);
  }
  if (typeof e?.code === "string" && TIMEOUT_CODES.has(e.code)) return new CarrierError("timeout", message);
  if (/timeout/i.test(message)) return new CarrierError("timeout", message);
  return new CarrierError("transient", message);
}
