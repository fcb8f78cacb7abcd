import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { ExecutionStatus } from "../../src/modules/execution/execution.entity";
import type { RetryStrategy } from "../../src/modules/program/retry-strategy.types";
import { attemptsOf, contactsOf, expectAttemptsWellFormed, privateDatabase, readExec, startSampler, waitFinished, waitFor } from "../dispatcher/support";
import { phones } from "../support/fixtures";
import { expectCountersTrue } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg } from "../support/test-app";
import { CarrierStack, carrierProgram, IVR_FLOW, personAnsweredPerNumber, postSigned, startCarrierStack } from "./support";

// Real calls through the carrier emulator (the only stand-in: the telephone network). One Voicecast process with the
// api and dispatcher roles; the emulator places the calls and drives the webhooks with real signatures.

const HUMAN = ["completed"];
const ONE_TRY: Record<number, string[]> = { 0: HUMAN, 1: HUMAN, 2: HUMAN, 3: HUMAN, 4: HUMAN, 5: ["noAnswer"], 6: ["noAnswer"], 7: ["busy"], 8: ["rejected"], 9: ["voicemail"] };
const RETRIED_TWICE: Record<number, string[]> = {
  ...ONE_TRY,
  5: ["noAnswer", "noAnswer", "completed"],
  6: ["noAnswer", "noAnswer", "noAnswer"],
  7: ["busy", "busy", "busy"],
  8: ["rejected", "rejected", "rejected"],
  9: ["voicemail", "voicemail", "voicemail"],
};
const CASES: Array<{ name: string; strategy: RetryStrategy; attempts: Record<number, string[]>; failed: number[] }> = [
  { name: "none", strategy: { type: "none" }, attempts: ONE_TRY, failed: [5, 6, 7, 8] },
  { name: "fixed_delay, maxRetries 2", strategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 2 }, attempts: RETRIED_TWICE, failed: [6, 7, 8, 9] },
  { name: "fixed_delay, voicemail not retried", strategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 2, retryOnVoicemail: false }, attempts: { ...RETRIED_TWICE, 9: ["voicemail"] }, failed: [6, 7, 8] },
];

describeEachDb("real calls through a Twilio-compatible carrier", (target) => {
  let stack: CarrierStack;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateDatabase(target, "carrier_calls");
    drop = db.drop;
    stack = await startCarrierStack(db.url, { env: { VOICECAST_LEASE_MS: "1500" } });
  });
  afterEach(() => stack.emulator.resetSwitches());
  afterAll(async () => {
    await stack?.stop();
    await drop();
  });

  for (const c of CASES) {
    it(`every outcome, retry strategy ${c.name}: exact attempts per digit, caller ID and call id on every attempt`, async () => {
      const { app, emulator } = stack;
      const { organizationId } = await newOrg(app);
      const numbers = phones(10, undefined, 1000 + CASES.indexOf(c) * 100);
      const { programId } = await carrierProgram(app, organizationId, { phones: numbers, retryStrategy: c.strategy });
      const execution = await app.services.executions.launch(organizationId, programId);
      const sampler = startSampler(() => readExec(app, execution.id));
      const done = await waitFinished(app, execution.id, 60_000);
      await sampler.stop();
      expect(done.status).toBe(ExecutionStatus.COMPLETED);
      const contacts = await contactsOf(app, execution.id);
      const attempts = await attemptsOf(app, execution.id);
      expectAttemptsWellFormed(attempts, contacts);
      for (const contact of contacts) {
        const digit = Number(contact.phone.slice(-1));
        const mine = attempts.filter((a) => a.contactId === contact.contactId);
        expect(mine.map((a) => a.outcome), `outcomes of digit ${digit}`).toEqual(c.attempts[digit]);
        expect(contact.status).toBe(c.failed.includes(digit) ? "failed" : "completed");
        // The emulator saw exactly these calls.
        expect(emulator.callsTo(contact.phone)).toHaveLength(c.attempts[digit].length);
      }
      const rows = await app.db.read((r) => r.query<{ from_number: string; provider_call_id: string }>("SELECT from_number, provider_call_id FROM call_attempts WHERE execution_id = ?", [execution.id]));
      for (const row of rows) {
        expect(row.from_number).toBe("+14155550100");
        expect(row.provider_call_id).toMatch(/^CA[0-9a-f]{32}$/);
      }
      await expectCountersTrue(app.db, execution.id);
    });
  }

  it("a flow with play, a dtmf menu and a recording: TwiML per node, path and variables stored, a machine gets the voicemail branch", async () => {
    const { app, emulator } = stack;
    const { organizationId } = await newOrg(app);
    const [person, silent, machine] = ["+14155552020", "+14155552030", "+14155552049"];
    emulator.setCallee(person, { digits: ["7", "2"], recordSeconds: 3 }); // an invalid key first, then the menu's 2
    emulator.setCallee(silent, { digits: [null] });
    const { programId } = await carrierProgram(app, organizationId, { phones: [person, silent, machine], flow: IVR_FLOW });
    const execution = await app.services.executions.launch(organizationId, programId);
    await waitFinished(app, execution.id, 30_000);
    const contacts = await contactsOf(app, execution.id);
    const byPhone = new Map(contacts.map((c) => [c.phone, c]));
    const attempts = await attemptsOf(app, execution.id);
    const of = (phone: string) => attempts.find((a) => a.contactId === byPhone.get(phone)!.contactId)!;

    expect(of(person)).toMatchObject({ outcome: "completed", flowOutcome: "hungUp", path: ["dial", "greet", "menu", "menu", "rec", "tag", "bye"] });
    expect(of(person).variables).toMatchObject({ choice: "2", who: "human" });
    expect(String(of(person).variables!.message)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*Recordings\/RE/);
    expect(of(person).answeredAt).not.toBeNull();
    const personCall = emulator.callsTo(person)[0];
    expect(personCall.verbs).toEqual(expect.arrayContaining(["Say", "Play", "Gather", "Record", "Hangup"]));
    expect(personCall.digits).toEqual(["7", "2"]);

    expect(of(silent)).toMatchObject({ outcome: "completed", flowOutcome: "hungUp", path: ["dial", "greet", "menu", "bye"], variables: {} });
    expect(of(machine)).toMatchObject({ outcome: "voicemail", flowOutcome: "hungUp", path: ["dial", "vm", "bye"] });
    expect(emulator.callsTo(machine)[0].machineDetection).toBe("DetectMessageEnd");
    await expectCountersTrue(app.db, execution.id);
  });

  it("a forged or missing signature gets 403 and changes nothing; a repeated final callback changes nothing", async () => {
    const { app, emulator, env } = stack;
    const { organizationId } = await newOrg(app);
    emulator.repeatCallbacks(); // every status callback twice
    const { programId } = await carrierProgram(app, organizationId, { phones: phones(4, 6, 3000), retryStrategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 1 } });
    const execution = await app.services.executions.launch(organizationId, programId);
    const done = await waitFinished(app, execution.id, 30_000);
    expect(done).toMatchObject({ contactsFailed: 4, contactsCompleted: 0 });
    const attempts = await attemptsOf(app, execution.id);
    expect(attempts).toHaveLength(8); // two each: repeats recorded nothing twice
    await expectCountersTrue(app.db, execution.id);

    const attemptId = (await app.db.read((r) => r.query<{ id: string }>("SELECT id FROM call_attempts WHERE execution_id = ? LIMIT 1", [execution.id])))[0].id;
    const url = `${env.VOICECAST_PUBLIC_URL}/telephony/twilio/status/${attemptId}`;
    const forged = { CallSid: "CA" + "f".repeat(32), CallStatus: "completed", AnsweredBy: "human", SequenceNumber: "99" };
    const wrong = await postSigned(url, forged, "not-the-token");
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: "ForbiddenError" });
    expect((await postSigned(url, forged, emulator.authToken, "")).status).toBe(403);
    const voice = await postSigned(`${env.VOICECAST_PUBLIC_URL}/telephony/twilio/voice/${attemptId}`, { CallSid: forged.CallSid }, "nope");
    expect(voice.status).toBe(403);
    expect(await readExec(app, execution.id)).toMatchObject({ sequence: done.sequence, contactsFailed: 4 });
    expect(await attemptsOf(app, execution.id)).toEqual(attempts);

    // Correctly signed, for a call Voicecast does not know: hang up.
    const unknown = await postSigned(`${env.VOICECAST_PUBLIC_URL}/telephony/twilio/voice/00000000-0000-4000-8000-000000000000`, { CallSid: forged.CallSid }, emulator.authToken);
    expect(unknown.status).toBe(200);
    expect(await unknown.text()).toContain("<Hangup/>");
  });

  it("a refused number ends the attempt rejected / carrier_rejected; a 429 storm uses no attempt; an account error pauses the execution", async () => {
    const { app, emulator } = stack;
    const { organizationId } = await newOrg(app);
    const numbers = phones(6, 1, 4000);
    emulator.refuseNumber(numbers[0], 21610);
    emulator.failNextCreates(12, 429);
    const { programId } = await carrierProgram(app, organizationId, { phones: numbers, retryStrategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 2 } });
    const execution = await app.services.executions.launch(organizationId, programId);
    const done = await waitFinished(app, execution.id, 60_000);
    expect(done).toMatchObject({ status: "completed", contactsCompleted: 5, contactsFailed: 1 });
    const attempts = await attemptsOf(app, execution.id);
    const refused = attempts.filter((a) => a.outcome === "rejected");
    expect(refused).toHaveLength(3); // the refused number, through its retries
    expect(refused.every((a) => a.failureReason === "carrier_rejected")).toBe(true);
    expect(attempts.filter((a) => a.outcome === "completed")).toHaveLength(5); // the 429s used up no attempt
    expect(emulator.creates().filter((c) => c.httpStatus === 429).length).toBe(12);
    await expectCountersTrue(app.db, execution.id);

    // Credentials refused: nobody's attempt is used, the execution pauses until it is resumed.
    const second = await newOrg(app);
    emulator.failAllCreates(20003);
    const p2 = await carrierProgram(app, second.organizationId, { phones: phones(3, 2, 4100) });
    const e2 = await app.services.executions.launch(second.organizationId, p2.programId);
    // The pause commits with the first refusal; creates already on their way are refused too and return their contacts.
    const paused = await waitFor("the provider pause", async () => {
      const e = await readExec(app, e2.id);
      return e.status === ExecutionStatus.PAUSED && e.contactsInProgress === 0 ? e : null;
    });
    expect(paused).toMatchObject({ pauseReason: "provider", contactsPending: 3, contactsInProgress: 0 });
    expect(await attemptsOf(app, e2.id)).toEqual([]);
    emulator.failAllCreates(null);
    await app.services.executions.resume(second.organizationId, e2.id);
    expect(await waitFinished(app, e2.id, 30_000)).toMatchObject({ status: "completed", contactsCompleted: 3 });
    await expectCountersTrue(app.db, e2.id);
  });

  it("after five carrier failures in a row for one contact, one attempt is recorded failed / provider_error", async () => {
    const { app, emulator } = stack;
    const { organizationId } = await newOrg(app);
    emulator.failNextCreates(5, 500);
    const { programId } = await carrierProgram(app, organizationId, { phones: phones(1, 3, 4200) });
    const execution = await app.services.executions.launch(organizationId, programId);
    // Back-off 2 s, 4 s, 8 s, 16 s between the five failures: about 30 s in all.
    const done = await waitFinished(app, execution.id, 50_000);
    expect(done).toMatchObject({ contactsFailed: 1 });
    expect(await attemptsOf(app, execution.id)).toMatchObject([{ attemptNumber: 1, outcome: "failed", failureReason: "provider_error" }]);
    expect(emulator.creates().filter((c) => c.httpStatus === 500)).toHaveLength(5);
    await expectCountersTrue(app.db, execution.id);
  }, 60_000);

  it("a dropped final callback is resolved by asking the carrier; a call the carrier does not know ends lease_expired", async () => {
    const { app, emulator } = stack;
    const { organizationId } = await newOrg(app);
    const [known, unknown] = ["+14155554301", "+14155554312"];
    emulator.dropCallbacks((cb) => cb.final);
    const { programId } = await carrierProgram(app, organizationId, { phones: [known, unknown] });
    const execution = await app.services.executions.launch(organizationId, programId);
    // Forget the second call as soon as it exists: its lookup answers 404.
    const sid = await waitFor("the second call", async () => emulator.callsTo(unknown)[0]?.sid);
    emulator.forgetCall(sid);
    const done = await waitFinished(app, execution.id, 30_000);
    const attempts = await attemptsOf(app, execution.id);
    const contacts = new Map((await contactsOf(app, execution.id)).map((c) => [c.contactId, c.phone]));
    const byPhone = new Map(attempts.map((a) => [contacts.get(a.contactId), a]));
    expect(byPhone.get(known)).toMatchObject({ outcome: "completed", failureReason: null, flowOutcome: "hungUp" });
    expect(byPhone.get(unknown)).toMatchObject({ outcome: "failed", failureReason: "lease_expired" });
    expect(done).toMatchObject({ contactsCompleted: 1, contactsFailed: 1 });
    await expectCountersTrue(app.db, execution.id);
  });

  it("a person's answer that arrives after the attempt was closed completes the contact, and it is not dialled again", async () => {
    const { app, emulator, env } = stack;
    const { organizationId } = await newOrg(app);
    const number = "+14155554402";
    emulator.dropCallbacks((cb) => cb.final);
    const { programId } = await carrierProgram(app, organizationId, { phones: [number], retryStrategy: { type: "fixed_delay", delayMinutes: 0.05, maxRetries: 3 } });
    const execution = await app.services.executions.launch(organizationId, programId);
    const sid = await waitFor("the call", async () => emulator.callsTo(number)[0]?.sid);
    emulator.forgetCall(sid);
    // The lookup finds nothing: the attempt is closed lease_expired and a retry is due in 3 s.
    const closed = await waitFor("the guess", async () => (await attemptsOf(app, execution.id)).find((a) => a.failureReason === "lease_expired"));
    expect((await contactsOf(app, execution.id))[0]).toMatchObject({ status: "pending" });
    // Then the carrier's own final callback arrives after all.
    const attemptId = (await app.db.read((r) => r.query<{ id: string }>("SELECT id FROM call_attempts WHERE execution_id = ?", [execution.id])))[0].id;
    const res = await postSigned(`${env.VOICECAST_PUBLIC_URL}/telephony/twilio/status/${attemptId}`, { CallSid: sid, CallStatus: "completed", SequenceNumber: "40" }, emulator.authToken);
    expect(res.status).toBe(200);
    const done = await waitFinished(app, execution.id, 20_000);
    expect(done).toMatchObject({ status: "completed", contactsCompleted: 1, contactsPending: 0 });
    const attempts = await attemptsOf(app, execution.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attemptNumber: closed.attemptNumber, outcome: "completed", failureReason: null });
    await new Promise((r) => setTimeout(r, 3500)); // past the retry that was due
    expect(emulator.callsTo(number)).toHaveLength(1);
    expect(personAnsweredPerNumber(emulator).get(number)).toBe(1);
    await expectCountersTrue(app.db, execution.id);
  });
});
