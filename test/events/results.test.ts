import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { nearestRank } from "../../src/modules/execution/execution-report";
import { dispatcherEnv, privateDatabase, readExec, waitFinished } from "../dispatcher/support";
import { ExecutionReportDocument, RelaunchExecutionDocument } from "../generated/graphql";
import { expectError, Rest, restFor } from "../rest/support";
import { createProgramFixture, phones } from "../support/fixtures";
import { gql, gqlOk } from "../support/graphql-client";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every item of a REST listing, page by page. */
async function all(api: Rest, path: string): Promise<Json[]> {
  const out: Json[] = [];
  for (let page = 1; ; page++) {
    const body = await api.ok("GET", `${path}${path.includes("?") ? "&" : "?"}page=${page}&limit=100`, 200);
    out.push(...body.data);
    if (!body.meta.hasNextPage) return out;
  }
}

/** The report as the test computes it from the listings alone. */
function expectedReport(contacts: Json[], attempts: Json[]) {
  const status = (s: string) => contacts.filter((c) => c.status === s).length;
  const outcome = (o: string) => attempts.filter((a) => a.outcome === o).length;
  const nodeRuns: Record<string, number> = {};
  for (const a of attempts) for (const node of a.path ?? []) nodeRuns[node] = (nodeRuns[node] ?? 0) + 1;
  const durations = attempts.filter((a) => a.outcome === "completed" && a.durationMs !== null).map((a) => a.durationMs as number);
  durations.sort((x, y) => x - y);
  const at = (p: number) => (durations.length ? durations[nearestRank(p, durations.length) - 1] : null);
  const completed = status("completed");
  return {
    contacts: { total: contacts.length, completed, failed: status("failed"), pending: status("pending"), inProgress: status("inProgress"), skipped: status("skipped") },
    reachRate: Math.round((completed / contacts.length) * 1000) / 10,
    calls: {
      totalCalls: attempts.length,
      connected: outcome("completed") + outcome("voicemail"),
      answered: outcome("completed"),
      voicemail: outcome("voicemail"),
      noAnswer: outcome("noAnswer"),
      busy: outcome("busy"),
      rejected: outcome("rejected"),
      failed: outcome("failed"),
    },
    nodeRuns,
    durationMs: { p50: at(50), p95: at(95) },
  };
}

describeEachDb("the execution report and relaunch of failures", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};
  let url: string;
  let org: { organizationId: string; apiKey: string };
  let api: Rest;

  beforeAll(async () => {
    const db = await privateDatabase(target, "results");
    drop = db.drop;
    app = await startTestApp({ databaseUrl: db.url, roles: "api,dispatcher", env: dispatcherEnv({ VOICECAST_SIM_CALL_MS: "40" }) });
    url = `http://127.0.0.1:${app.port}`;
    org = await newOrg(app);
    api = restFor(app, org.apiKey);
  });
  afterAll(async () => {
    await app?.stop();
    await drop();
  });

  it("reports what the listings say, relaunches exactly the failed contacts, and the skipped ones when asked (under the launch's rules)", async () => {
    // 30 numbers, last digits 0–9 three times: 0–4 and 9 (voicemail, not retried under "none") complete, 5–8 fail.
    const list = phones(30, undefined, 500);
    const { programId, contactIds } = await createProgramFixture(app, org.organizationId, {
      phones: list,
      retryStrategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 1, retryOnVoicemail: false },
      maxConcurrentCalls: 5,
    });
    // One number on the do-not-call list: skipped at launch.
    await app.services.dnc.add(org.organizationId, { numbers: [list[1]] });
    const { executionId } = await api.ok("POST", `/programs/${programId}/launch`, 201);
    await waitFinished(app, executionId);

    const contacts = await all(api, `/program-executions/${executionId}/contacts`);
    const attempts = await all(api, `/program-executions/${executionId}/calls`);
    const expected = expectedReport(contacts, attempts);
    // The simulator's digits make the numbers known in advance too.
    expect(expected.contacts).toEqual({ total: 30, completed: 17, failed: 12, pending: 0, inProgress: 0, skipped: 1 });
    expect(expected.calls).toMatchObject({ voicemail: 3, noAnswer: 12, busy: 6, rejected: 6 });
    expect(expected.nodeRuns).toEqual({ dial: attempts.length, bye: expected.calls.connected });
    expect(expected.durationMs.p50).not.toBeNull();

    const report = await api.ok("GET", `/program-executions/${executionId}/report`, 200);
    expect(report).toEqual(expected);
    expect(report.reachRate).toBe(56.7);
    expect((await gqlOk(url, org.apiKey, ExecutionReportDocument, { id: executionId })).executionReport).toEqual(expected);

    // Relaunch the failed ones: a new execution over exactly them.
    const failedIds = contacts.filter((c) => c.status === "failed").map((c) => c.contactId).sort();
    const { executionId: again } = await api.ok("POST", `/program-executions/${executionId}/relaunch`, 201, { statuses: ["failed"] });
    expect(again).not.toBe(executionId);
    // While it runs: the program has an unfinished execution, and an unfinished one cannot be relaunched.
    await app.services.executions.pause(org.organizationId, again);
    expectError(await api.post(`/program-executions/${executionId}/relaunch`, { statuses: ["failed"] }), 400, "ExecutionAlreadyRunningError", "Program already has a running execution");
    expectError(await api.post(`/program-executions/${again}/relaunch`, { statuses: ["failed"] }), 409, "InvalidExecutionStateError");
    await app.services.executions.resume(org.organizationId, again);
    const second = await waitFinished(app, again);
    expect(second.programId).toBe(programId);
    expect(second.totalContacts).toBe(failedIds.length);
    const secondContacts = await all(api, `/program-executions/${again}/contacts`);
    expect(secondContacts.map((c) => c.contactId).sort()).toEqual(failedIds);
    const called = new Set((await all(api, `/program-executions/${again}/calls`)).map((a) => a.contactId));
    expect([...called].sort()).toEqual(failedIds);
    const firstEvent = (await api.ok("GET", `/program-executions/${again}/events?limit=1`, 200)).data[0];
    expect(firstEvent).toMatchObject({ type: "execution.launched", data: { totalContacts: failedIds.length, relaunchOf: executionId } });

    // Failed and skipped, through GraphQL: the do-not-call contact comes back, and is skipped again (launch rules).
    const third = (await gqlOk(url, org.apiKey, RelaunchExecutionDocument, { id: executionId, statuses: ["FAILED", "SKIPPED"] })).relaunchExecution;
    expect(third).toMatchObject({ programId, totalContacts: failedIds.length + 1, contactsSkipped: 1 });
    await waitFinished(app, third.id);
    const thirdContacts = await all(api, `/program-executions/${third.id}/contacts`);
    expect(thirdContacts.map((c) => c.contactId).sort()).toEqual([...failedIds, contactIds[1]].sort());
    expect(thirdContacts.find((c) => c.contactId === contactIds[1])).toMatchObject({ status: "skipped", skipReason: "dnc", attempts: 0 });
    expect(await api.ok("GET", `/program-executions/${third.id}/report`, 200)).toEqual(
      expectedReport(thirdContacts, await all(api, `/program-executions/${third.id}/calls`)),
    );
  });

  it("relaunches the skipped contacts of a cancelled execution; refuses bad statuses, nothing to call and unknown ids", async () => {
    const { programId, contactIds } = await createProgramFixture(app, org.organizationId, { phones: phones(4, 0, 700) });
    const scheduled = await app.services.executions.launch(org.organizationId, programId, { startAt: new Date(Date.now() + 3_600_000) });
    const report0 = await api.ok("GET", `/program-executions/${scheduled.id}/report`, 200);
    expect(report0).toEqual({
      contacts: { total: 4, completed: 0, failed: 0, pending: 4, inProgress: 0, skipped: 0 },
      reachRate: 0,
      calls: { totalCalls: 0, connected: 0, answered: 0, voicemail: 0, noAnswer: 0, busy: 0, rejected: 0, failed: 0 },
      nodeRuns: {},
      durationMs: { p50: null, p95: null },
    });
    await app.services.executions.cancel(org.organizationId, scheduled.id);
    expect((await readExec(app, scheduled.id)).actualEndAt).not.toBeNull();

    const path = `/program-executions/${scheduled.id}/relaunch`;
    expectError(await api.post(path, { statuses: ["failed"] }), 400, "AudienceEmptyError");
    expectError(await api.post(path, { statuses: ["completed"] }), 400, "ValidationError", /statuses/);
    expectError(await api.post(path, { statuses: [] }), 400, "ValidationError", /statuses/);
    expectError(await api.post(path, { statuses: ["failed", "failed"] }), 400, "ValidationError", /statuses/);
    expectError(await api.post(path, {}), 400, "ValidationError", /statuses/);
    expectError(await api.post(path, { statuses: "failed" }), 400, "ValidationError", /statuses/);
    const bad = await gql(url, org.apiKey, RelaunchExecutionDocument, { id: scheduled.id, statuses: ["PENDING"] });
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0].message).toMatch(/statuses/);
    expectError(await api.post(`/program-executions/${randomUUID()}/relaunch`, { statuses: ["failed"] }), 404, "ExecutionNotFoundError");
    expectError(await restFor(app, (await newOrg(app, "other")).apiKey).post(path, { statuses: ["skipped"] }), 404, "ExecutionNotFoundError");
    expectError(await api.get(`/program-executions/${randomUUID()}/report`), 404, "ExecutionNotFoundError");
    // Nothing was written by the refusals.
    expect((await app.services.executions.list(org.organizationId, { programId })).meta.total).toBe(1);

    const { executionId } = await api.ok("POST", path, 201, { statuses: ["skipped"] });
    const done = await waitFinished(app, executionId);
    expect(done).toMatchObject({ totalContacts: 4, contactsCompleted: 4 });
    expect((await all(api, `/program-executions/${executionId}/calls`)).map((a) => a.contactId).sort()).toEqual([...contactIds].sort());
    const report = await api.ok("GET", `/program-executions/${executionId}/report`, 200);
    expect(report).toMatchObject({ contacts: { total: 4, completed: 4 }, reachRate: 100, calls: { totalCalls: 4, answered: 4, connected: 4 } });
    expect(report.durationMs.p50).not.toBeNull();
    expect(report.durationMs.p95).toBeGreaterThanOrEqual(report.durationMs.p50);
  });
  it("percentiles are nearest-rank over answered attempts only; node runs count every visit, loops included", async () => {
    const { programId, contactIds } = await createProgramFixture(app, org.organizationId, { phones: phones(1, 0, 800) });
    const e = await app.services.executions.launch(org.organizationId, programId, { startAt: new Date(Date.now() + 3_600_000) });
    await app.services.executions.cancel(org.organizationId, e.id);
    // Rows as the dispatcher writes them: 20 answered calls of 1..20 s (shuffled), plus others that must not count.
    const t = Date.now();
    const rows: unknown[][] = [];
    const durations = Array.from({ length: 20 }, (_, i) => (i + 1) * 1000).sort(() => Math.random() - 0.5);
    durations.forEach((d, i) => rows.push([i + 1, "completed", d, JSON.stringify(["dial", "menu", "menu", "bye"])]));
    rows.push([21, "voicemail", 999_000, JSON.stringify(["dial", "bye"])]);
    rows.push([22, "noAnswer", 0, JSON.stringify(["dial"])]);
    rows.push([23, null, null, "null"]);
    await app.db.transaction(async (tx) => {
      for (const [n, outcome, duration, path] of rows) {
        await tx.execute(
          `INSERT INTO call_attempts (id, execution_id, contact_id, attempt_number, outcome, started_at, duration_ms, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [randomUUID(), e.id, contactIds[0], n, outcome, t, duration, path],
        );
      }
    });
    const report = await api.ok("GET", `/program-executions/${e.id}/report`, 200);
    // Nearest rank: p50 is the 10th of 20 values, p95 the 19th.
    expect(report.durationMs).toEqual({ p50: 10_000, p95: 19_000 });
    expect(report.nodeRuns).toEqual({ bye: 21, dial: 22, menu: 40 });
    expect(report.calls).toEqual({ totalCalls: 23, connected: 21, answered: 20, voicemail: 1, noAnswer: 1, busy: 0, rejected: 0, failed: 0 });
    expect(report.contacts).toMatchObject({ total: 1, skipped: 1 });
    expect(nearestRank(50, 1)).toBe(1);
    expect(nearestRank(95, 100)).toBe(95);
    expect(nearestRank(95, 101)).toBe(96);
  });
});
