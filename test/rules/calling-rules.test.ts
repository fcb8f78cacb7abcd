import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { ManualClock } from "../../src/shared/clock";
import { attemptsOf, contactsOf, dispatcherEnv, privateDatabase, readExec, sleep, waitFinished, waitFor } from "../dispatcher/support";
import { expectError, restFor, type Rest } from "../rest/support";
import { expectCountersTrue, expectSumInvariant } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";

// The calling rules where contacts are claimed, with the service's clock in the test's hands (lease expiry alone uses
// the database's clock). A real dispatcher on SQLite and MariaDB; the simulator answers by last digit.

const HOURS = { start: "09:00", end: "17:00" };
const LONDON = "+442071234561";
const SYDNEY = "+61291234560";
const LOS_ANGELES = "+14152000003";
const IDAHO = "+12085550104"; // America/Boise and America/Los_Angeles
const NON_GEO = "+15005550001"; // every North American zone: judged in the organization's zone

interface Setup {
  programId: string;
  flowId: string;
  contactIds: Map<string, string>;
}

async function program(api: Rest, phones: string[], program: Record<string, unknown> = {}, flow?: Record<string, unknown>): Promise<Setup> {
  const up = await api.ok("POST", "/contact/upsert", 200, { data: phones.map((primaryPhone) => ({ primaryPhone })) });
  const audience = await api.ok("POST", "/audience", 201, { name: "rules" });
  await api.ok("POST", `/audience/${audience.id}/add-contacts`, 200, { contacts: up.data.map((c: { id: string }) => c.id) });
  const f = await api.ok("POST", "/flows", 201, {
    name: "rules",
    ...(flow ?? {
      startNodeId: "dial",
      nodes: [
        { id: "dial", type: "dial", config: {}, outputs: { onAnswer: "bye", onVoicemail: "bye" } },
        { id: "bye", type: "hangup", config: {}, outputs: {} },
      ],
    }),
  });
  const p = await api.ok("POST", "/programs", 201, { name: "rules", audienceId: audience.id, flowId: f.id, maxConcurrentCalls: 20, ...program });
  return { programId: p.id, flowId: f.id, contactIds: new Map(up.data.map((c: { id: string; primaryPhone: string }) => [c.primaryPhone, c.id])) };
}

describeEachDb("calling rules", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};
  const clock = new ManualClock(new Date("2026-12-01T09:30:00Z"));

  beforeAll(async () => {
    const db = await privateDatabase(target, "calling_rules");
    drop = db.drop;
    app = await startTestApp({ databaseUrl: db.url, roles: "api,dispatcher", clock, env: dispatcherEnv({ VOICECAST_SIM_CALL_MS: "30" }) });
  });
  afterAll(async () => {
    await app?.stop();
    await drop();
  });

  const calledPhones = async (executionId: string) => {
    const phoneOf = new Map((await contactsOf(app, executionId)).map((c) => [c.contactId, c.phone]));
    return [...new Set((await attemptsOf(app, executionId)).map((a) => phoneOf.get(a.contactId)!))].sort();
  };

  it("callee-local hours: only callees inside their hours are called, the rest when their hours open, all counted right", async () => {
    clock.set(new Date("2026-12-01T09:30:00Z")); // London 09:30, LA 01:30, Sydney 20:30
    const { apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    await api.ok("PATCH", "/organization", 200, { timezone: "Europe/Paris" }); // the non-geographic number: 10:30 in Paris
    const s = await program(api, [LONDON, SYDNEY, LOS_ANGELES, IDAHO, NON_GEO], { callingHours: HOURS });
    const { executionId } = await api.ok("POST", `/programs/${s.programId}/launch`, 201);
    await waitFor("London and the non-geographic number called", async () => ((await readExec(app, executionId)).contactsCompleted === 2 ? true : null));
    await sleep(300); // nobody else is called meanwhile
    expect(await calledPhones(executionId)).toEqual([LONDON, NON_GEO].sort());
    const waiting = await readExec(app, executionId);
    expect(waiting).toMatchObject({ status: "running", contactsPending: 3, contactsInProgress: 0, contactsCompleted: 2 });
    expectSumInvariant(waiting);

    clock.set(new Date("2026-12-02T00:30:00Z")); // LA 16:30, Boise 17:30 (Idaho closed), Sydney 11:30
    await waitFor("LA and Sydney called", async () => ((await readExec(app, executionId)).contactsCompleted === 4 ? true : null));
    await sleep(300);
    expect(await calledPhones(executionId)).toEqual([LONDON, NON_GEO, LOS_ANGELES, SYDNEY].sort());
    expect((await contactsOf(app, executionId)).find((c) => c.phone === IDAHO)).toMatchObject({ status: "pending", attempts: 0 });

    clock.set(new Date("2026-12-02T17:30:00Z")); // LA 09:30, Boise 10:30
    const done = await waitFinished(app, executionId);
    expect(done).toMatchObject({ status: "completed", contactsCompleted: 5, contactsPending: 0 });
    await expectCountersTrue(app.db, executionId);
  });

  it("pause windows in a non-UTC zone across a DST change: no new call inside, calls in progress finish, effectiveStatus and its events", async () => {
    clock.set(new Date("2026-10-31T12:59:00Z")); // Saturday 08:59 EDT
    const { apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    await api.ok("PATCH", "/organization", 200, { timezone: "America/New_York" });
    const phones = Array.from({ length: 40 }, (_, i) => `+1415${2100000 + i * 10 + (i % 5)}`);
    const s = await program(
      api,
      phones,
      {
        maxConcurrentCalls: 1,
        pauseWindows: {
          saturday: [{ startAt: { hour: 9, minute: 0 }, endAt: { hour: 10, minute: 0 } }],
          sunday: [{ startAt: { hour: 9, minute: 0 }, endAt: { hour: 10, minute: 0 } }],
          advanced: [{ startAt: "2026-11-01T16:00:00Z", endAt: "2026-11-01T16:30:00-00:00" }],
        },
      },
    );
    const { executionId } = await api.ok("POST", `/programs/${s.programId}/launch`, 201);
    await waitFor("calls before the window", async () => ((await readExec(app, executionId)).contactsCompleted >= 2 ? true : null));

    clock.set(new Date("2026-10-31T13:00:00Z")); // 09:00 EDT: the window opens
    const inside = await waitFor("paused_window", async () => {
      const e = await api.ok("GET", `/program-executions/${executionId}`, 200);
      return e.effectiveStatus === "paused_window" && e.contactsInProgress === 0 ? e : null;
    });
    expect(inside.status).toBe("running");
    await sleep(400);
    const still = await api.ok("GET", `/program-executions/${executionId}`, 200);
    expect(still).toMatchObject({ contactsCompleted: inside.contactsCompleted, contactsPending: inside.contactsPending, effectiveStatus: "paused_window" });

    clock.set(new Date("2026-10-31T14:00:00Z")); // 10:00 EDT: it closes
    await waitFor("running again", async () => {
      const e = await api.ok("GET", `/program-executions/${executionId}`, 200);
      return e.effectiveStatus === "running" && e.contactsCompleted > inside.contactsCompleted ? e : null;
    });

    // Sunday, after DST ended: 09:00 local is 14:00Z, not 13:00Z.
    clock.set(new Date("2026-11-01T13:30:00Z"));
    await sleep(300);
    expect((await api.ok("GET", `/program-executions/${executionId}`, 200)).effectiveStatus).toBe("running");
    clock.set(new Date("2026-11-01T14:00:00Z"));
    await waitFor("Sunday's window", async () => ((await api.ok("GET", `/program-executions/${executionId}`, 200)).effectiveStatus === "paused_window" ? true : null));
    clock.set(new Date("2026-11-01T15:00:00Z"));
    await waitFor("after Sunday's window", async () => ((await api.ok("GET", `/program-executions/${executionId}`, 200)).effectiveStatus === "running" ? true : null));
    clock.set(new Date("2026-11-01T16:10:00Z")); // the advanced window
    await waitFor("the advanced window", async () => ((await api.ok("GET", `/program-executions/${executionId}`, 200)).effectiveStatus === "paused_window" ? true : null));
    clock.set(new Date("2026-11-01T16:30:00Z"));
    const done = await waitFinished(app, executionId);
    expect(done.contactsCompleted).toBe(40);

    const events = await api.ok("GET", `/program-executions/${executionId}`, 200);
    expect(events.effectiveStatus).toBe("completed");
    const edges = await app.db.read((r) =>
      r.query<{ data: string }>("SELECT data FROM execution_events WHERE execution_id = ? AND type = 'execution.status_changed' ORDER BY position", [executionId]),
    );
    expect(edges.map((e) => JSON.parse(e.data).effectiveStatus)).toEqual(["paused_window", "running", "paused_window", "running", "paused_window", "running", "completed"]);
    await expectCountersTrue(app.db, executionId);
  });

  it("do-not-call: listed before launch → skipped; added mid-run → respected from the next claim, retries included; opt_out adds the number", async () => {
    clock.set(new Date("2026-12-01T12:00:00Z"));
    const { apiKey, organizationId } = await newOrg(app);
    const api = restFor(app, apiKey);
    const [listed, retried, answered, optingOut] = ["+14152200001", "+14152200006", "+14152200012", "+14152200023"];
    await api.ok("POST", "/dnc", 200, { numbers: [listed] });
    const s = await program(
      api,
      [listed, retried, answered],
      { retryStrategy: { type: "fixed_delay", delayMinutes: 10, maxRetries: 3 } },
    );
    const { executionId } = await api.ok("POST", `/programs/${s.programId}/launch`, 201);
    await waitFor("first attempts ended", async () => ((await attemptsOf(app, executionId)).filter((a) => a.outcome).length === 2 ? true : null));
    // The retried number goes on the list while its retry waits; its retry is then skipped, not dialled.
    expect(await api.ok("POST", "/dnc", 200, { numbers: [retried, listed] })).toEqual({ added: 1, alreadyListed: 1 });
    clock.advance(11 * 60_000);
    const done = await waitFinished(app, executionId);
    expect(done).toMatchObject({ contactsCompleted: 1, contactsSkipped: 2, contactsFailed: 0 });
    const contacts = await api.ok("GET", `/program-executions/${executionId}/contacts?status=skipped`, 200);
    expect(contacts.data.map((c: { primaryPhone: string; skipReason: string; attempts: number }) => [c.primaryPhone, c.skipReason, c.attempts]).sort()).toEqual([
      [listed, "dnc", 0],
      [retried, "dnc", 1],
    ]);
    await expectCountersTrue(app.db, executionId);

    // An opt_out node (the simulated person presses the lowest branch digit, 9 → opt_out).
    const optOut = await program(api, [optingOut], {}, {
      startNodeId: "dial",
      nodes: [
        { id: "dial", type: "dial", config: {}, outputs: { onAnswer: "menu" } },
        { id: "menu", type: "dtmf", config: { branches: { "9": "stop" } }, outputs: { onTimeout: "bye" } },
        { id: "stop", type: "opt_out", config: {}, outputs: { onSuccess: "bye" } },
        { id: "bye", type: "hangup", config: {}, outputs: {} },
      ],
    });
    const first = await api.ok("POST", `/programs/${optOut.programId}/launch`, 201);
    await waitFinished(app, first.executionId);
    expect(await api.ok("GET", `/dnc/${optingOut}`, 200)).toMatchObject({ number: optingOut, source: "opt_out" });
    const second = await api.ok("POST", `/programs/${optOut.programId}/launch`, 201);
    expect(await waitFinished(app, second.executionId)).toMatchObject({ contactsSkipped: 1, contactsCompleted: 0 });
    expect(await attemptsOf(app, second.executionId)).toEqual([]);
    expect((await app.services.dnc.list(organizationId, {})).meta.total).toBe(3);
  });

  it("auto-pause at the threshold (paused_threshold), resume with replaced rules, resetOnResume", async () => {
    clock.set(new Date("2026-12-01T12:00:00Z"));
    const { apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    const phones = Array.from({ length: 12 }, (_, i) => `+1415${2300000 + i * 10 + (i % 5)}`);
    const s = await program(api, phones, { maxConcurrentCalls: 1, autoPauseRules: [{ nodeId: "bye", threshold: 3 }] });
    const { executionId } = await api.ok("POST", `/programs/${s.programId}/launch`, 201);
    const paused = await waitFor("the threshold pause", async () => {
      const e = await api.ok("GET", `/program-executions/${executionId}`, 200);
      return e.status === "paused" && e.contactsInProgress === 0 ? e : null;
    });
    expect(paused).toMatchObject({ effectiveStatus: "paused_threshold", nodeRunCounts: { bye: 3 }, contactsCompleted: 3 });
    expect(paused.autoPauseRules).toEqual([{ nodeId: "bye", threshold: 3, resetOnResume: false }]);

    expectError(await api.patch(`/program-executions/${executionId}/resume`, { autoPauseRules: [{ nodeId: "nope", threshold: 0 }] }), 400, "ValidationError", /threshold: must be a whole number of at least 1/);
    expectError(await api.patch(`/program-executions/${executionId}/resume`, { autoPauseRules: [{ nodeId: "nope", threshold: 2 }] }), 400, "ValidationError", /autoPauseRules\[0\]\.nodeId: no node "nope"/);
    expect((await api.ok("GET", `/program-executions/${executionId}`, 200)).status).toBe("paused"); // nothing changed

    // New rules, the count reset: five more runs, then it pauses again.
    const resumed = await api.ok("PATCH", `/program-executions/${executionId}/resume`, 200, { autoPauseRules: [{ nodeId: "bye", threshold: 5, resetOnResume: true }] });
    expect(resumed).toMatchObject({ status: "running", effectiveStatus: "running", nodeRunCounts: { bye: 0 } });
    const again = await waitFor("the second pause", async () => {
      const e = await api.ok("GET", `/program-executions/${executionId}`, 200);
      return e.status === "paused" && e.contactsInProgress === 0 ? e : null;
    });
    expect(again).toMatchObject({ effectiveStatus: "paused_threshold", nodeRunCounts: { bye: 5 }, contactsCompleted: 8 });
    // Without resetOnResume, a count at its threshold pauses again at the node's next run.
    await api.ok("PATCH", `/program-executions/${executionId}/resume`, 200, { autoPauseRules: [{ nodeId: "bye", threshold: 5 }] });
    const third = await waitFor("the third pause", async () => {
      const e = await api.ok("GET", `/program-executions/${executionId}`, 200);
      return e.status === "paused" && e.contactsInProgress === 0 ? e : null;
    });
    expect(third).toMatchObject({ nodeRunCounts: { bye: 6 }, contactsCompleted: 9 });
    await api.ok("PATCH", `/program-executions/${executionId}/resume`, 200, { autoPauseRules: [] });
    expect(await waitFinished(app, executionId)).toMatchObject({ status: "completed", contactsCompleted: 12 });
    await expectCountersTrue(app.db, executionId);
  });

  it("preview counts equal what a launch then does", async () => {
    clock.set(new Date("2026-12-01T09:30:00Z"));
    const { apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    await api.ok("POST", "/dnc", 200, { numbers: [SYDNEY] });
    const s = await program(api, [LONDON, SYDNEY, LOS_ANGELES, IDAHO], { callingHours: HOURS });
    const preview = await api.ok("GET", `/programs/${s.programId}/preview`, 200);
    expect(preview).toEqual({ totalContacts: 4, suppressed: 1, outsideCallingHoursNow: 2, callableNow: 1, inPauseWindowNow: false, nextCallableAt: "2026-12-01T09:30:00.000Z" });
    const { executionId } = await api.ok("POST", `/programs/${s.programId}/launch`, 201);
    await waitFor("the launch's first calls", async () => {
      const e = await readExec(app, executionId);
      return e.contactsCompleted === preview.callableNow && e.contactsSkipped === preview.suppressed ? e : null;
    });
    await sleep(300);
    expect(await readExec(app, executionId)).toMatchObject({ contactsPending: preview.outsideCallingHoursNow, contactsCompleted: preview.callableNow, contactsSkipped: preview.suppressed });
    await api.ok("DELETE", `/program-executions/${executionId}`, 200);

    // Everyone closed: the preview names when the first callee's hours open.
    clock.set(new Date("2026-12-01T20:00:00Z")); // London 20:00, LA 12:00 → LA and Idaho are open
    expect(await api.ok("GET", `/programs/${s.programId}/preview`, 200)).toMatchObject({ callableNow: 2, outsideCallingHoursNow: 1 });
    clock.set(new Date("2026-12-01T01:00:00Z")); // London 01:00, LA 17:00, Boise 18:00: all closed
    expect(await api.ok("GET", `/programs/${s.programId}/preview`, 200)).toMatchObject({ callableNow: 0, outsideCallingHoursNow: 3, nextCallableAt: "2026-12-01T09:00:00.000Z" });
  });

  it("bad rules are refused, naming the field, and nothing is written", async () => {
    const { apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    const s = await program(api, [LONDON]);
    const before = await api.ok("GET", `/programs/${s.programId}`, 200);
    expectError(await api.patch(`/programs/${s.programId}`, { callingHours: { start: "21:00", end: "09:00" } }), 400, "ValidationError", /callingHours\.end: must be after start/);
    expectError(await api.patch(`/programs/${s.programId}`, { pauseWindows: { monday: [{ startAt: { hour: 24, minute: 0 }, endAt: { hour: 1, minute: 60 } }] } }), 400, "ValidationError", /pauseWindows\.monday\[0\]\.startAt\.hour: must be a whole number from 0 to 23; pauseWindows\.monday\[0\]\.endAt\.minute/);
    expectError(await api.patch(`/programs/${s.programId}`, { autoPauseRules: [{ nodeId: "ghost", threshold: 1 }] }), 400, "ValidationError", /autoPauseRules\[0\]\.nodeId: no node "ghost"/);
    expectError(await api.patch(`/programs/${s.programId}`, { autoPauseRules: [{ nodeId: "bye", threshold: 0 }] }), 400, "ValidationError", /autoPauseRules\[0\]\.threshold/);
    expectError(await api.patch("/organization", { timezone: "Mars/Olympus_Mons" }), 400, "ValidationError", /timezone: must be an IANA time zone/);
    expectError(await api.patch("/organization", { maxConcurrentCalls: 0 }), 400, "ValidationError", /maxConcurrentCalls/);
    expectError(await api.post("/dnc", { numbers: ["+14152200001", "12345", "+99"] }), 400, "ValidationError", /numbers\[1\].*numbers\[2\]/);
    expect((await api.ok("GET", "/dnc", 200)).meta.total).toBe(0);
    expect(await api.ok("GET", `/programs/${s.programId}`, 200)).toEqual(before);
    expect(await api.ok("GET", "/organization", 200)).toMatchObject({ timezone: "UTC", maxConcurrentCalls: null });
    expectError(await api.get("/dnc/+14152200001"), 404, "DncNumberNotFoundError");
  });
});
