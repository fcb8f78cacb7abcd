/** Twilio's Calls REST API (2010-04-01): create, fetch, list and modify calls, and fetch recordings. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CallEngine, PlaceCall } from "./call-engine";
import type { Call } from "./state";
import { redirectFlow } from "./twiml-runner";
import { API_VERSION, callResource, isE164, sendJson, sendTwilioError, TWILIO_ERRORS, TwilioErrorCode } from "./twilio-format";
import { FINAL_STATUSES, StatusEvent } from "./types";

const MAX_BODY = 64 * 1024;
const STATUS_EVENTS: ReadonlySet<string> = new Set(["initiated", "ringing", "answered", "completed"]);

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) req.destroy(new Error("body too large"));
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

const httpUrl = (u: string | null): boolean => {
  try {
    return u !== null && ["http:", "https:"].includes(new URL(u).protocol);
  } catch {
    return false;
  }
};
const method = (m: string | null): "GET" | "POST" | null => (m === null || m.toUpperCase() === "POST" ? "POST" : m.toUpperCase() === "GET" ? "GET" : null);

/** The parameters of a create, or the Twilio error it gets. */
function parseCreate(form: URLSearchParams): PlaceCall | { code: TwilioErrorCode; detail?: string } {
  const to = form.get("To");
  const from = form.get("From");
  if (!to) return { code: 21201 };
  if (!isE164(to)) return { code: 21211, detail: to };
  if (!from) return { code: 21213 };
  if (!isE164(from)) return { code: 21212, detail: from };
  const url = form.get("Url");
  const twiml = form.get("Twiml");
  if (twiml === null && !httpUrl(url)) return { code: 21205, detail: url ?? "(missing)" };
  const statusCallback = form.get("StatusCallback");
  if (statusCallback !== null && !httpUrl(statusCallback)) return { code: 20001, detail: `StatusCallback ${statusCallback}` };
  const events = form.getAll("StatusCallbackEvent").flatMap((e) => e.split(/\s+/)).filter(Boolean);
  const badEvent = events.find((e) => !STATUS_EVENTS.has(e));
  if (badEvent) return { code: 20001, detail: `StatusCallbackEvent ${badEvent}` };
  const md = form.get("MachineDetection");
  if (md !== null && md !== "Enable" && md !== "DetectMessageEnd") return { code: 20001, detail: `MachineDetection ${md}` };
  const m = method(form.get("Method"));
  const scm = method(form.get("StatusCallbackMethod"));
  if (!m || !scm) return { code: 20001, detail: "Method must be GET or POST" };
  const timeout = form.get("Timeout");
  return {
    to,
    from,
    url: twiml === null ? url : null,
    method: m,
    twiml,
    statusCallback,
    statusCallbackMethod: scm,
    // Without StatusCallbackEvent, Twilio sends only the final (completed) callback.
    events: (events.length ? events : ["completed"]) as StatusEvent[],
    machineDetection: md,
    timeoutS: timeout === null ? null : Number(timeout),
  };
}

/** `StartTime>=2026-12-01` (a day, GMT) or `StartTime>=2026-12-01T10:00:00Z` (an instant, to the second). */
function timeMatches(ms: number | null, op: "" | ">" | "<", value: string): boolean {
  if (ms === null) return false;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = Date.parse(`${value}T00:00:00Z`);
    return op === ">" ? ms >= day : op === "<" ? ms < day + 86_400_000 : ms >= day && ms < day + 86_400_000;
  }
  const t = Date.parse(value);
  const s = Math.floor(ms / 1000) * 1000;
  return op === ">" ? s >= t : op === "<" ? s <= t : s === t;
}

const TIME_FILTERS = [
  ["StartTime", "startedAtMs"],
  ["EndTime", "endedAtMs"],
] as const;

export class RestApi {
  constructor(private readonly engine: CallEngine) {}

  private get state() {
    return this.engine.state;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Calls(?:\/([^/]+))?\.json|Recordings\/(RE[0-9a-f]{32})(?:\.(?:wav|mp3))?)$/.exec(url.pathname);
    if (m?.[4] && req.method === "GET") return this.recording(res, m[4]);
    if (!this.authorized(req)) return sendTwilioError(res, 20003);
    if (!m || m[1] !== this.state.accountSid || m[4]) return sendTwilioError(res, 20404, url.pathname);
    const sid = m[3];
    if (!sid && req.method === "POST") return this.create(req, res);
    if (!sid && req.method === "GET") return this.list(res, url);
    const call = sid && !this.state.switches.forgotten.has(sid) ? this.state.calls.get(sid) : undefined;
    if (!call) return sendTwilioError(res, 20404, url.pathname);
    if (req.method === "GET") return sendJson(res, 200, callResource(call));
    if (req.method === "POST") return this.update(req, res, call);
    return sendTwilioError(res, 20404, url.pathname);
  }

  private authorized(req: IncomingMessage): boolean {
    const [scheme, encoded] = (req.headers.authorization ?? "").split(" ");
    if (scheme !== "Basic" || !encoded) return false;
    return Buffer.from(encoded, "base64").toString("utf8") === `${this.state.accountSid}:${this.state.authToken}`;
  }

  private async create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { state, engine } = this;
    const entry = { atMs: Date.now(), to: null as string | null, httpStatus: null as number | null, code: null as number | null, sid: null as string | null };
    state.noteCreateRequest(entry);
    const form = await readForm(req);
    entry.to = form.get("To");
    const refuse = (code: TwilioErrorCode, detail?: string) => {
      entry.httpStatus = TWILIO_ERRORS[code].status;
      entry.code = code;
      sendTwilioError(res, code, detail);
    };
    const sw = state.switches;
    if (sw.accountError !== null) return refuse(sw.accountError);
    if (sw.failNext.count > 0) {
      sw.failNext.count--;
      const status = sw.failNext.status;
      entry.httpStatus = status;
      entry.code = status === 429 ? 20429 : 20500;
      const message = status === 429 ? "Too Many Requests" : "Internal Server Error";
      return sendJson(res, status, { code: entry.code, message, more_info: `https://www.twilio.com/docs/errors/${entry.code}`, status });
    }
    const parsed = parseCreate(form);
    const refusal = "code" in parsed ? null : sw.refused.get(parsed.to);
    if (sw.hangNext.count > 0) {
      sw.hangNext.count--;
      if (sw.hangNext.createCall && !("code" in parsed) && !refusal) entry.sid = engine.place(parsed).sid;
      // Never answered: the client's own timeout ends it (stop() closes what is left).
      state.heldResponses.add(res);
      res.on("close", () => state.heldResponses.delete(res));
      return;
    }
    if ("code" in parsed) return refuse(parsed.code, parsed.detail);
    if (refusal) return refuse(refusal, parsed.to);
    const call = engine.place(parsed);
    entry.httpStatus = 201;
    entry.sid = call.sid;
    sendJson(res, 201, callResource(call));
  }

  private list(res: ServerResponse, url: URL): void {
    const q = url.searchParams;
    const { forgotten } = this.state.switches;
    const filters: Array<(c: Call) => boolean> = [(c) => !forgotten.has(c.sid)];
    for (const key of ["To", "From", "Status"] as const) {
      const v = q.get(key);
      const field = key === "Status" ? "status" : key === "To" ? "to" : "from";
      if (v !== null) filters.push((c) => c[field] === v);
    }
    if (q.get("ParentCallSid")) filters.push(() => false);
    for (const [name, field] of TIME_FILTERS) {
      for (const op of ["", ">", "<"] as const) {
        const v = q.get(name + op);
        if (v === null) continue;
        if (!/^\d{4}-\d{2}-\d{2}$/.test(v) && Number.isNaN(Date.parse(v))) return sendTwilioError(res, 20001, `${name}${op} ${v}`);
        filters.push((c) => timeMatches(c[field], op, v));
      }
    }
    const pageSize = Math.min(Math.max(Number(q.get("PageSize") ?? 50) || 50, 1), 1000);
    const page = Math.max(Number(q.get("Page") ?? 0) || 0, 0);
    const matching = [...this.state.calls.values()].filter((c) => filters.every((f) => f(c))).reverse();
    const start = page * pageSize;
    const calls = matching.slice(start, start + pageSize).map(callResource);
    const path = `/${API_VERSION}/Accounts/${this.state.accountSid}/Calls.json`;
    const pageUri = (p: number) => {
      const params = new URLSearchParams(q);
      params.set("PageSize", String(pageSize));
      params.set("Page", String(p));
      params.delete("PageToken");
      return `${path}?${params.toString()}`;
    };
    sendJson(res, 200, {
      calls,
      end: start + Math.max(calls.length - 1, 0),
      first_page_uri: pageUri(0),
      next_page_uri: start + pageSize < matching.length ? pageUri(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      start,
      uri: pageUri(page),
    });
  }

  /** Twilio's "modify a call": `Status=canceled` ends a queued or ringing call, `completed` any live call; `Url` redirects it. */
  private async update(req: IncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    const form = await readForm(req);
    const status = form.get("Status");
    const url = form.get("Url");
    if (status !== null && status !== "completed" && status !== "canceled") return sendTwilioError(res, 20001, `Status ${status}`);
    if (url !== null && !httpUrl(url)) return sendTwilioError(res, 21205, url);
    if (FINAL_STATUSES.has(call.status)) return sendTwilioError(res, 21220);
    const m = method(form.get("Method")) ?? "POST";
    if (status !== null) {
      if (call.status !== "in-progress") this.engine.end(call, "canceled", "api");
      else if (status === "completed") this.engine.end(call, "completed", "api");
    } else if (url !== null) {
      if (call.status === "in-progress") redirectFlow(this.engine, call, url, m);
      else Object.assign(call, { url, method: m, twiml: null });
    }
    sendJson(res, 200, callResource(call));
  }

  /** A recording's audio: that many seconds of 8 kHz 8-bit silence, as a WAV file. */
  private recording(res: ServerResponse, sid: string): void {
    const seconds = this.state.recordings.get(sid);
    if (seconds === undefined) return sendTwilioError(res, 20404, sid);
    const data = 8000 * seconds;
    const wav = Buffer.alloc(44 + data, 0x80);
    wav.write("RIFF", 0);
    wav.writeUInt32LE(36 + data, 4);
    wav.write("WAVEfmt ", 8);
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(1, 22);
    wav.writeUInt32LE(8000, 24);
    wav.writeUInt32LE(8000, 28);
    wav.writeUInt16LE(1, 32);
    wav.writeUInt16LE(8, 34);
    wav.write("data", 36);
    wav.writeUInt32LE(data, 40);
    res.writeHead(200, { "content-type": "audio/x-wav", "content-length": wav.length });
    res.end(wav);
  }
}
