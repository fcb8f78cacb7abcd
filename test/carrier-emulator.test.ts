// The carrier emulator, driven as Voicecast will drive a carrier: the official `twilio` library for the REST
// calls, and a real TwiML application (checking every signature) for the webhooks.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import twilio from "twilio";
import { CarrierEmulator, startCarrierEmulator } from "./support/carrier-emulator";
import { startTwimlTestApp, TwimlTestApp } from "./support/twiml-test-app";

const ACCOUNT_SID = "AC" + "5e".repeat(16);
const AUTH_TOKEN = "emulator-test-auth-token";
const ALL_EVENTS = ["initiated", "ringing", "answered", "completed"];

let emulator: CarrierEmulator;
let app: TwimlTestApp;
let client: twilio.Twilio;
let nextNumber = 0;

/** A fresh callee number ending in `digit` (numbers are never reused across tests, so per-number counts start at 0). */
const number = (digit: number) => `+1415${String(5550000 + nextNumber++ * 10 + digit).padStart(7, "0")}`;

const say = (text = "Hello") => {
  const r = new twilio.twiml.VoiceResponse();
  r.say(text);
  return r.toString();
};

async function place(to: string, extra: Record<string, unknown> = {}) {
  return client.calls.create({
    to,
    from: "+15005550006",
    url: `${app.baseUrl}/voice`,
    statusCallback: `${app.baseUrl}/status?attempt=${encodeURIComponent(to)}`,
    statusCallbackEvent: ALL_EVENTS,
    ...extra,
  });
}

const statusCallbacks = (sid: string) => app.requestsFor(sid, "/status");

beforeAll(async () => {
  emulator = await startCarrierEmulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  app = await startTwimlTestApp(AUTH_TOKEN);
  client = twilio(ACCOUNT_SID, AUTH_TOKEN);
  client.api.baseUrl = emulator.baseUrl;
});

afterEach(async () => {
  await emulator.idle();
  // Every request the emulator sent carried a signature the application accepted.
  expect(app.requests.filter((r) => !r.signatureValid)).toEqual([]);
  emulator.resetSwitches();
  app.route("/voice", say());
});

afterAll(async () => {
  await emulator?.stop();
  await app?.stop();
});

describe("outcome by the callee's last digit", () => {
  it("without detection: people and machines answer alike, the others end no-answer, busy or failed", async () => {
    app.route("/voice", say());
    const numbers = [0, 1, 2, 3, 4, 6, 7, 8, 9].map(number);
    const calls = await Promise.all(numbers.map((n) => place(n)));
    for (const c of calls) expect(c).toMatchObject({ status: "queued", direction: "outbound-api", from: "+15005550006" });
    expect(calls.every((c) => /^CA[0-9a-f]{32}$/.test(c.sid))).toBe(true);
    await emulator.idle();

    const expected = ["completed", "completed", "completed", "completed", "completed", "no-answer", "busy", "failed", "completed"];
    for (const [i, c] of calls.entries()) {
      const fetched = await client.calls(c.sid).fetch();
      expect(fetched.status).toBe(expected[i]);
      expect(fetched.answeredBy).toBeNull();
      const log = emulator.call(c.sid)!;
      expect(log.status).toBe(expected[i]);
      expect(log.answeredBy).toBeNull();
      const cbs = statusCallbacks(c.sid);
      expect(cbs.map((r) => r.params.SequenceNumber)).toEqual(cbs.map((_, k) => String(k)));
      expect(cbs.every((r) => r.params.CallbackSource === "call-progress-events" && r.params.Direction === "outbound-api")).toBe(true);
      expect(cbs.every((r) => !("AnsweredBy" in r.params) && r.params.AccountSid === ACCOUNT_SID && r.params.To === numbers[i])).toBe(true);
      const final = cbs.at(-1)!;
      expect(final.params.CallStatus).toBe(expected[i]);
      expect(final.url).toContain(`attempt=${encodeURIComponent(numbers[i])}`);
      const answered = i <= 4 || i === 8;
      expect(app.requestsFor(c.sid, "/voice")).toHaveLength(answered ? 1 : 0);
      if (answered) {
        expect(cbs.map((r) => r.params.CallStatus)).toEqual(["initiated", "ringing", "in-progress", "completed"]);
        expect(Number(final.params.CallDuration)).toBeGreaterThanOrEqual(1);
        expect(Number(fetched.duration)).toBe(Number(final.params.CallDuration));
        expect(log.verbs).toEqual(["Say"]);
      } else {
        expect(final.params.CallDuration).toBe("0");
      }
    }
    expect(emulator.call(calls[8].sid)!).toMatchObject({ answerer: "machine", personAnswered: false });
    expect(emulator.call(calls[0].sid)!).toMatchObject({ answerer: "person", personAnswered: true, hangupBy: "caller" });
    expect(statusCallbacks(calls[5].sid).map((r) => r.params.CallStatus)).toEqual(["initiated", "ringing", "no-answer"]);
    expect(statusCallbacks(calls[6].sid).map((r) => r.params.CallStatus)).toEqual(["initiated", "busy"]);
    expect(statusCallbacks(calls[7].sid).map((r) => r.params.CallStatus)).toEqual(["initiated", "failed"]);
  });

  it("with detection: AnsweredBy is human, machine_end_beep (DetectMessageEnd) or machine_start (Enable)", async () => {
    const person = number(3);
    const machine = number(9);
    const cases = [
      [person, "DetectMessageEnd", "human"],
      [machine, "DetectMessageEnd", "machine_end_beep"],
      [machine, "Enable", "machine_start"],
    ] as const;
    for (const [to, machineDetection, answeredBy] of cases) {
      const c = await place(to, { machineDetection });
      await emulator.callSettled(c.sid);
      expect(app.requestsFor(c.sid, "/voice")[0].params).toMatchObject({ AnsweredBy: answeredBy, CallStatus: "in-progress" });
      const cbs = statusCallbacks(c.sid);
      expect(cbs.at(-1)!.params).toMatchObject({ CallStatus: "completed", AnsweredBy: answeredBy });
      expect(cbs.slice(0, -1).some((r) => "AnsweredBy" in r.params)).toBe(false);
      expect((await client.calls(c.sid).fetch()).answeredBy).toBe(answeredBy);
    }
  });

  it("digit 5: no answer on the first two calls to the number, a person from the third on", async () => {
    const to = number(5);
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await place(to);
      statuses.push((await emulator.callSettled(c.sid)).status);
    }
    expect(statuses).toEqual(["no-answer", "no-answer", "completed", "completed"]);
    expect(emulator.callsTo(to).map((c) => c.personAnswered)).toEqual([false, false, true, true]);
  });

  it("without StatusCallbackEvent only the final callback is sent", async () => {
    const c = await place(number(1), { statusCallbackEvent: undefined });
    await emulator.callSettled(c.sid);
    expect(statusCallbacks(c.sid).map((r) => [r.params.CallStatus, r.params.SequenceNumber])).toEqual([["completed", "0"]]);
  });
});

describe("TwiML", () => {
  it("runs Say, Gather with digits, a silent Gather falling through to Redirect, Record, and Hangup", async () => {
    const to = number(2);
    emulator.setCallee(to, { digits: ["42#", null], recordSeconds: 3 });
    const first = new twilio.twiml.VoiceResponse();
    first.say("Welcome");
    first.gather({ input: ["dtmf"], action: "/menu?step=1", timeout: 3 }).say("Press a key");
    first.say("never reached when a key is pressed");
    app.route("/voice", first.toString());
    const menu = new twilio.twiml.VoiceResponse();
    menu.gather({ numDigits: 1, action: "/unreached" }).play("https://example.com/prompt.mp3");
    menu.redirect({ method: "POST" }, "/record-it");
    app.route("/menu", menu.toString());
    const rec = new twilio.twiml.VoiceResponse();
    rec.pause({ length: 1 });
    rec.record({ action: `${app.baseUrl}/recorded`, maxLength: 30, finishOnKey: "#", playBeep: true });
    app.route("/record-it", rec.toString());
    const bye = new twilio.twiml.VoiceResponse();
    bye.say("Thanks");
    bye.hangup();
    bye.say("not run after a hangup");
    app.route("/recorded", bye.toString());

    const c = await place(to);
    const log = await emulator.callSettled(c.sid);
    const paths = app.requestsFor(c.sid).filter((r) => r.path !== "/status").map((r) => r.path);
    expect(paths).toEqual(["/voice", "/menu", "/record-it", "/recorded"]);
    const [, gathered, , recorded] = app.requestsFor(c.sid).filter((r) => r.path !== "/status");
    expect(gathered.url).toBe(`${app.baseUrl}/menu?step=1`);
    expect(gathered.params).toMatchObject({ Digits: "42", FinishedOnKey: "#", CallStatus: "in-progress", CallSid: c.sid });
    expect(recorded.params).toMatchObject({ RecordingDuration: "3", Digits: "#" });
    expect(recorded.params.RecordingSid).toMatch(/^RE[0-9a-f]{32}$/);
    expect(recorded.params.RecordingUrl).toBe(`${emulator.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recorded.params.RecordingSid}`);
    const audio = await fetch(`${recorded.params.RecordingUrl}.wav`);
    expect(audio.headers.get("content-type")).toBe("audio/x-wav");
    expect((await audio.arrayBuffer()).byteLength).toBe(44 + 3 * 8000);
    expect(log.verbs).toEqual(["Say", "Gather", "Gather/Say", "Gather", "Gather/Play", "Redirect", "Pause", "Record", "Say", "Hangup"]);
    expect(log.digits).toEqual(["42", null]);
    expect(log.recordings).toEqual([{ sid: recorded.params.RecordingSid, url: recorded.params.RecordingUrl, durationS: 3, digits: "#" }]);
    expect(log).toMatchObject({ status: "completed", hangupBy: "caller", errors: [] });
  });

  it("Gather: numDigits cuts the keys, actionOnEmptyResult posts an empty result, GET actions carry the query", async () => {
    const to = number(4);
    emulator.setCallee(to, { digits: ["987", null] });
    app.route("/voice", `<?xml version="1.0"?><Response><Gather numDigits="2" action="/one" method="GET"/></Response>`);
    app.route("/one", `<Response><Gather actionOnEmptyResult="true" action="/two"><Say>again</Say></Gather></Response>`);
    app.route("/two", `<Response/>`);
    const c = await place(to);
    await emulator.callSettled(c.sid);
    const [one] = app.requestsFor(c.sid, "/one");
    expect(one.method).toBe("GET");
    expect(one.params).toMatchObject({ Digits: "98", CallSid: c.sid });
    expect(app.requestsFor(c.sid, "/two")[0].params).toMatchObject({ Digits: "" });
  });

  it("a callee who hangs up mid-flow ends the call: at the k-th verb, after N ms, or during a recording", async () => {
    app.route("/voice", `<Response><Say>one</Say><Say>two</Say><Say>three</Say></Response>`);
    const atVerb = number(1);
    emulator.setCallee(atVerb, { hangUpAtVerb: 2 });
    const a = await place(atVerb);
    expect(await emulator.callSettled(a.sid)).toMatchObject({ status: "completed", hangupBy: "callee", verbs: ["Say"] });
    expect(statusCallbacks(a.sid).at(-1)!.params.CallStatus).toBe("completed");

    app.route("/voice", `<Response><Pause length="1000"/></Response>`);
    const afterMs = number(2);
    emulator.setCallee(afterMs, { hangUpAfterMs: 50 });
    const b = await place(afterMs);
    expect(await emulator.callSettled(b.sid)).toMatchObject({ status: "completed", hangupBy: "callee", verbs: ["Pause"] });

    app.route("/voice", `<Response><Record action="/rec" maxLength="600"/><Say>unreached</Say></Response>`);
    const duringRecord = number(3);
    emulator.setCallee(duringRecord, { recordSeconds: 500, hangUpAfterMs: 60 });
    const r = await place(duringRecord);
    await emulator.callSettled(r.sid);
    const [action] = app.requestsFor(r.sid, "/rec");
    expect(action.params).toMatchObject({ Digits: "hangup", CallStatus: "completed" });
    expect(Number(action.params.RecordingDuration)).toBeGreaterThanOrEqual(1);
  });

  it("an empty recording skips the action; a machine stays silent; TwiML errors end the call", async () => {
    app.route("/voice", `<Response><Gather action="/g"/><Record action="/rec"/><Say>left a message</Say></Response>`);
    const c = await place(number(9), { machineDetection: "DetectMessageEnd" });
    const log = await emulator.callSettled(c.sid);
    expect(log.verbs).toEqual(["Gather", "Record", "Say"]);
    expect(app.requestsFor(c.sid, "/g").concat(app.requestsFor(c.sid, "/rec"))).toEqual([]);

    app.route("/voice", () => ({ status: 500 }));
    const failed = await emulator.callSettled((await place(number(1))).sid);
    expect(failed).toMatchObject({ status: "completed", hangupBy: "error" });
    expect(failed.errors[0]).toMatch(/^11200/);
    app.route("/voice", `<Response><Dial>+15551234567</Dial></Response>`);
    expect((await emulator.callSettled((await place(number(1))).sid)).errors[0]).toMatch(/^12100.*Dial/);
    app.route("/voice", `not xml <`);
    expect((await emulator.callSettled((await place(number(1))).sid)).errors[0]).toMatch(/^12100/);
  });
});
