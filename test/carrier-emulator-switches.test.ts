// The carrier emulator's REST lookups, hang-ups, failure switches and logs, driven through the official `twilio`
// library and a TwiML application that checks every signature.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import twilio from "twilio";
import { CarrierEmulator, startCarrierEmulator } from "./support/carrier-emulator";
import { startTwimlTestApp, TwimlTestApp } from "./support/twiml-test-app";

const ACCOUNT_SID = "AC" + "7d".repeat(16);
const AUTH_TOKEN = "emulator-switches-auth-token";
const ALL_EVENTS = ["initiated", "ringing", "answered", "completed"];

let emulator: CarrierEmulator;
let app: TwimlTestApp;
let client: twilio.Twilio;
let nextNumber = 0;

const number = (digit: number) => `+1212${String(5550000 + nextNumber++ * 10 + digit).padStart(7, "0")}`;

function clientFor(authToken = AUTH_TOKEN, timeout?: number) {
  const c = twilio(ACCOUNT_SID, authToken, timeout ? { timeout } : {});
  c.api.baseUrl = emulator.baseUrl;
  return c;
}

const place = (to: string, c = client) =>
  c.calls.create({ to, from: "+15005550006", url: `${app.baseUrl}/voice`, statusCallback: `${app.baseUrl}/status`, statusCallbackEvent: ALL_EVENTS });

/** The error a promise rejects with (the twilio library's RestException, or a network error). */
async function failure(p: Promise<unknown>): Promise<{ status?: number; code?: number; message: string; moreInfo?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { status?: number; code?: number; message: string };
  }
  throw new Error("expected a failure");
}

const statusCallbacks = (sid: string) => app.requestsFor(sid, "/status");

/** Waits (polling the emulator's call log) until a call reaches a status, or runs a verb. */
async function until(sid: string, what: { status?: string; verb?: string }, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = emulator.call(sid);
    if (log && (!what.status || log.status === what.status) && (!what.verb || log.verbs.includes(what.verb))) return;
    if (Date.now() > deadline) throw new Error(`call ${sid} never got to ${JSON.stringify(what)}: ${JSON.stringify(log)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  emulator = await startCarrierEmulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  app = await startTwimlTestApp(AUTH_TOKEN);
  app.route("/voice", `<Response><Say>Hello</Say></Response>`);
  client = clientFor();
});

afterEach(async () => {
  emulator.resetSwitches();
  emulator.setTiming({ answerMs: 20, callMs: null });
  app.route("/voice", `<Response><Say>Hello</Say></Response>`);
  await emulator.idle();
  expect(app.requests.filter((r) => !r.signatureValid)).toEqual([]);
});

afterAll(async () => {
  await emulator?.stop();
  await app?.stop();
});

describe("REST lookups and hang-ups", () => {
  it("fetches a call as it progresses, lists by To and StartTime>=, pages, and 404s an unknown call", async () => {
    emulator.setTiming({ answerMs: 1500 });
    const to = number(1);
    const before = new Date(Date.now() - 1000);
    const c = await place(to);
    await until(c.sid, { status: "ringing" });
    const ringing = await client.calls(c.sid).fetch();
    expect(ringing).toMatchObject({ sid: c.sid, status: "ringing", to, duration: null, endTime: null });
    expect(ringing.startTime).toBeInstanceOf(Date);
    emulator.setTiming({ answerMs: 20 });
    await emulator.callSettled(c.sid);
    const done = await client.calls(c.sid).fetch();
    expect(done.status).toBe("completed");
    expect(done.endTime!.getTime()).toBeGreaterThanOrEqual(done.startTime.getTime());

    const found = await client.calls.list({ to, startTimeAfter: before });
    expect(found.map((x) => x.sid)).toEqual([c.sid]);
    expect(await client.calls.list({ to, startTimeAfter: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await client.calls.list({ to: number(1) })).toEqual([]);

    const many = number(2);
    const sids = [];
    for (let i = 0; i < 5; i++) sids.push((await place(many)).sid);
    const paged = await client.calls.list({ to: many, pageSize: 2 });
    expect(paged.map((x) => x.sid).sort()).toEqual([...sids].sort());

    const missing = await failure(client.calls("CA" + "0".repeat(32)).fetch());
    expect(missing).toMatchObject({ status: 404, code: 20404 });
    expect(missing.moreInfo).toBe("https://www.twilio.com/docs/errors/20404");
  });

  it("hangs up a live call with Status=completed, cancels a ringing one, and refuses to change an ended one", async () => {
    app.route("/voice", `<Response><Pause length="1000"/></Response>`);
    const live = await place(number(3));
    await until(live.sid, { status: "in-progress" });
    expect((await client.calls(live.sid).fetch()).status).toBe("in-progress");
    expect((await client.calls(live.sid).update({ status: "completed" })).status).toBe("completed");
    expect(await emulator.callSettled(live.sid)).toMatchObject({ status: "completed", hangupBy: "api" });
    expect(statusCallbacks(live.sid).at(-1)!.params.CallStatus).toBe("completed");

    app.route("/moved", `<Response><Say>moved</Say><Hangup/></Response>`);
    const redirected = await place(number(2));
    await until(redirected.sid, { verb: "Pause" });
    await client.calls(redirected.sid).update({ url: `${app.baseUrl}/moved`, method: "POST" });
    expect(await emulator.callSettled(redirected.sid)).toMatchObject({ status: "completed", hangupBy: "caller", verbs: ["Pause", "Say", "Hangup"] });
    expect(app.requestsFor(redirected.sid, "/moved")).toHaveLength(1);

    emulator.setTiming({ answerMs: 5_000 });
    const ringing = await place(number(4));
    await until(ringing.sid, { status: "ringing" });
    expect((await client.calls(ringing.sid).update({ status: "canceled" })).status).toBe("canceled");
    emulator.setTiming({ answerMs: 20 });
    expect(await emulator.callSettled(ringing.sid)).toMatchObject({ status: "canceled", answeredAtMs: null });
    expect(statusCallbacks(ringing.sid).map((r) => r.params.CallStatus)).toEqual(["initiated", "ringing", "canceled"]);
    expect(await failure(client.calls(ringing.sid).update({ status: "completed" }))).toMatchObject({ status: 400, code: 21220 });
  });
});

describe("switches", () => {
  it("drops the callbacks a filter picks: here the final status callback of one call", async () => {
    const dropFor = number(1);
    emulator.dropCallbacks((cb) => cb.final && cb.to === dropFor);
    const [a, b] = await Promise.all([place(dropFor), place(number(2))]);
    await Promise.all([emulator.callSettled(a.sid), emulator.callSettled(b.sid)]);
    expect(statusCallbacks(a.sid).map((r) => r.params.CallStatus)).toEqual(["initiated", "ringing", "in-progress"]);
    expect(statusCallbacks(b.sid).map((r) => r.params.CallStatus)).toEqual(["initiated", "ringing", "in-progress", "completed"]);
    expect((await client.calls(a.sid).fetch()).status).toBe("completed");
    const dropped = emulator.call(a.sid)!.webhooks.filter((w) => w.dropped);
    expect(dropped.map((w) => [w.kind, w.params.CallStatus, w.status])).toEqual([["status", "completed", null]]);
    expect(emulator.stats().webhooksDropped).toBe(1);
  });

  it("repeats callbacks (same SequenceNumber twice) and delivers status callbacks out of order", async () => {
    emulator.repeatCallbacks();
    const r = await place(number(1));
    await emulator.callSettled(r.sid);
    expect(statusCallbacks(r.sid).map((x) => x.params.SequenceNumber)).toEqual(["0", "0", "1", "1", "2", "2", "3", "3"]);
    expect(app.requestsFor(r.sid, "/voice")).toHaveLength(1);
    emulator.resetSwitches();

    emulator.deliverStatusOutOfOrder();
    const o = await place(number(2));
    await emulator.callSettled(o.sid);
    expect(statusCallbacks(o.sid).map((x) => [x.params.SequenceNumber, x.params.CallStatus])).toEqual([
      ["3", "completed"], ["2", "in-progress"], ["1", "ringing"], ["0", "initiated"],
    ]);
  });

  it("answers the next creates with 429 or 500, then creates again", async () => {
    emulator.failNextCreates(2, 429);
    const to = number(1);
    for (let i = 0; i < 2; i++) expect(await failure(place(to))).toMatchObject({ status: 429, code: 20429 });
    emulator.failNextCreates(1, 500);
    expect(await failure(place(to))).toMatchObject({ status: 500, code: 20500 });
    const ok = await place(to);
    expect(ok.status).toBe("queued");
    expect(emulator.callsTo(to)).toHaveLength(1);
    expect(emulator.creates().slice(-4).map((e) => e.httpStatus)).toEqual([429, 429, 500, 201]);
  });

  it("hangs creates until the client times out, with or without placing the call", async () => {
    const impatient = clientFor(AUTH_TOKEN, 300);
    const since = new Date(Date.now() - 1000);
    const placed = number(1);
    emulator.hangNextCreates(1, { createCall: true });
    expect((await failure(place(placed, impatient))).message).toMatch(/timeout/i);
    const lookedUp = await client.calls.list({ to: placed, startTimeAfter: since });
    expect(lookedUp).toHaveLength(1);
    expect((await emulator.callSettled(lookedUp[0].sid)).status).toBe("completed");

    const notPlaced = number(2);
    emulator.hangNextCreates(1);
    await failure(place(notPlaced, impatient));
    expect(await client.calls.list({ to: notPlaced, startTimeAfter: since })).toEqual([]);
    expect(emulator.creates().slice(-2).map((e) => e.httpStatus)).toEqual([null, null]);
  });

  it("refuses numbers (invalid To, or a code set per number) and fails every create on account errors", async () => {
    expect(await failure(place("5551234"))).toMatchObject({ status: 400, code: 21211 });
    const refused = number(1);
    for (const code of [21214, 21217, 21610, 21211] as const) {
      emulator.refuseNumber(refused, code);
      expect(await failure(place(refused))).toMatchObject({ status: 400, code });
    }
    expect(emulator.callsTo(refused)).toEqual([]);

    emulator.failAllCreates(20003);
    expect(await failure(place(number(1)))).toMatchObject({ status: 401, code: 20003 });
    for (const code of [21210, 21212, 21215] as const) {
      emulator.failAllCreates(code);
      expect(await failure(place(number(1)))).toMatchObject({ status: 400, code });
    }
    emulator.failAllCreates(null);
    expect(await failure(place(number(1), clientFor("wrong-token")))).toMatchObject({ status: 401, code: 20003 });
    expect((await place(number(1))).status).toBe("queued");
  });

  it("forgets a call: GET 404 and lists leave it out, while its callbacks still come", async () => {
    const to = number(1);
    const c = await place(to);
    emulator.forgetCall(c.sid);
    expect(await failure(client.calls(c.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
    expect(await client.calls.list({ to })).toEqual([]);
    await emulator.callSettled(c.sid);
    expect(statusCallbacks(c.sid).at(-1)!.params.CallStatus).toBe("completed");
  });
});

describe("logs and load", () => {
  it("keeps a create log whose busiest one-second window can be checked", async () => {
    const before = emulator.creates().length;
    await Promise.all([1, 2, 3, 4].map((d) => place(number(d))));
    const entries = emulator.creates().slice(before);
    expect(entries.map((e) => e.httpStatus)).toEqual([201, 201, 201, 201]);
    expect(entries.every((e) => e.sid && e.atMs <= Date.now())).toBe(true);
    expect(emulator.maxCreatesInWindow(1000)).toBeGreaterThanOrEqual(4);
    expect(emulator.maxCreatesInWindow(1, { placedOnly: true })).toBeGreaterThanOrEqual(1);
  });

  it("runs 300 calls at once to their end, and with callMs holds each answered call that long", async () => {
    const counters = await startCarrierEmulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, logs: "counters", timing: { callMs: 200 } });
    try {
      const c = clientFor();
      c.api.baseUrl = counters.baseUrl;
      const before = app.requests.length;
      const numbers = Array.from({ length: 300 }, (_, i) => number(i % 5));
      await Promise.all(numbers.map((n) => place(n, c)));
      await counters.idle(60_000);
      const stats = counters.stats();
      expect(stats).toMatchObject({ callsCreated: 300, callsEnded: 300, callsInFlight: 0, finalStatuses: { completed: 300 }, webhooksFailed: 0 });
      expect(stats.maxCallsInFlight).toBeGreaterThan(1);
      expect(stats.webhookLatency.count).toBe(300 * 5);
      expect(counters.calls()).toEqual([]);
      const finals = app.requests.slice(before).filter((r) => r.path === "/status" && r.params.CallStatus === "completed");
      expect(finals).toHaveLength(300);
    } finally {
      await counters.stop();
    }
    emulator.setTiming({ callMs: 200 });
    const held = await emulator.callSettled((await place(number(1))).sid);
    emulator.setTiming({ callMs: null });
    expect(held.endedAtMs! - held.answeredAtMs!).toBeGreaterThanOrEqual(190);
    expect(held).toMatchObject({ status: "completed", hangupBy: "caller", verbs: ["Say"] });
  });
});
