import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { expectError, expectExecutionTrue, ISO_MS, Rest, restFixture, restFor, sleep, UUID } from "./support";

// Every curl example of the seed's Executions page, over real HTTP, with the responses checked field by field.
// The service runs the api role only, so executions stay where the lifecycle puts them (no calls are placed).

describeEachDb("REST gateway: the seed's curl examples", (target) => {
  let app: App;
  let api: Rest;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function freshOrg(): Promise<Rest> {
    return restFor(app, (await newOrg(app)).apiKey);
  }

  it("launch → 201 { executionId }; GET shows the execution with the seed's fields, ISO dates and true counters", async () => {
    api = await freshOrg();
    const fx = await restFixture(api, { count: 7 });
    // curl -X POST /api/programs/PROGRAM_ID/launch -H "x-api-key: …" (no body, no content type)
    const launched = await api.request("POST", `/programs/${fx.programId}/launch`);
    expect(launched.status).toBe(201);
    expect(Object.keys(launched.body)).toEqual(["executionId"]);
    expect(launched.body.executionId).toMatch(UUID);

    // curl -X GET /api/program-executions/EXECUTION_ID
    const got = await api.ok("GET", `/program-executions/${launched.body.executionId}`, 200);
    await expectExecutionTrue(app, got);
    expect(got).toMatchObject({
      id: launched.body.executionId,
      programId: fx.programId,
      audienceId: fx.audienceId,
      flowId: fx.flowId,
      flowVersion: 1,
      status: "running",
      totalContacts: 7,
      contactsCompleted: 0,
      contactsFailed: 0,
      contactsPending: 7,
      contactsInProgress: 0,
      contactsSkipped: 0,
      scheduledStopAt: null,
      actualStartAt: null,
      actualEndAt: null,
    });
    expect(got.scheduledStartAt).toBe(got.createdAt); // no start time: start now
    expect(Date.parse(got.updatedAt)).toBeGreaterThanOrEqual(Date.parse(got.createdAt));

    const program = await api.ok("GET", `/programs/${fx.programId}`, 200);
    expect(program.status).toBe("active");
  });

  it("launch twice while running → 400 ExecutionAlreadyRunningError with the seed's message, exactly", async () => {
    api = await freshOrg();
    const fx = await restFixture(api);
    await api.ok("POST", `/programs/${fx.programId}/launch`, 201);
    const again = await api.post(`/programs/${fx.programId}/launch`);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: "ExecutionAlreadyRunningError", message: "Program already has a running execution" });
    // Also while paused: still unfinished.
    const [active] = (await api.ok("GET", `/programs/${fx.programId}/executions`, 200)).data;
    await api.ok("PATCH", `/program-executions/${active.id}/pause`, 200);
    expectError(await api.post(`/programs/${fx.programId}/launch`), 400, "ExecutionAlreadyRunningError", "Program already has a running execution");
  });

  it("Idempotency-Key: a repeat answers 201 with the same executionId, concurrent repeats too", async () => {
    api = await freshOrg();
    const fx = await restFixture(api);
    const launch = () => api.request("POST", `/programs/${fx.programId}/launch`, { headers: { "Idempotency-Key": "campaign-42" } });
    const results = await Promise.all([launch(), launch(), launch(), launch()]);
    for (const r of results) expect(r.status).toBe(201);
    const ids = new Set(results.map((r) => r.body.executionId));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect((await launch()).body.executionId).toBe(id);
    // Still the same one after it is cancelled (the key is kept 24 h); a new key is a new launch.
    await api.ok("DELETE", `/program-executions/${id}`, 200);
    expect((await launch()).body).toEqual({ executionId: id });
    const other = await api.request("POST", `/programs/${fx.programId}/launch`, { headers: { "Idempotency-Key": "campaign-43" } });
    expect(other.status).toBe(201);
    expect(other.body.executionId).not.toBe(id);
    const list = await api.ok("GET", `/programs/${fx.programId}/executions`, 200);
    expect(list.meta.total).toBe(2);
  });

  it("launch with { startAt, stopAt } schedules the execution", async () => {
    api = await freshOrg();
    const fx = await restFixture(api);
    const startAt = new Date(Date.now() + 3_600_000);
    const stopAt = new Date(Date.now() + 7_200_000);
    const res = await api.post(`/programs/${fx.programId}/launch`, { startAt: startAt.toISOString(), stopAt: stopAt.toISOString() });
    expect(res.status).toBe(201);
    const e = await api.ok("GET", `/program-executions/${res.body.executionId}`, 200);
    await expectExecutionTrue(app, e);
    expect(e.status).toBe("scheduled");
    expect(e.scheduledStartAt).toBe(startAt.toISOString());
    expect(e.scheduledStopAt).toBe(stopAt.toISOString());
    // A stop time already past is a ValidationError naming the field.
    await api.ok("DELETE", `/program-executions/${e.id}`, 200);
    expectError(await api.post(`/programs/${fx.programId}/launch`, { stopAt: "2020-01-01T00:00:00Z" }), 400, "ValidationError", /stopAt/);
    expectError(await api.post(`/programs/${fx.programId}/launch`, { startAt: 12 }), 400, "ValidationError", /startAt/);
    expectError(await api.post(`/programs/${fx.programId}/launch`, { idempotencyKey: "k" }), 400, "ValidationError", /Idempotency-Key/);
  });

  it("pause twice → 200 both, one change; resume; cancel; cancel then resume → 409 InvalidExecutionStateError", async () => {
    api = await freshOrg();
    const fx = await restFixture(api);
    const { executionId: id } = await api.ok("POST", `/programs/${fx.programId}/launch`, 201);
    const before = await api.ok("GET", `/program-executions/${id}`, 200);

    // curl -X PATCH /api/program-executions/EXECUTION_ID/pause
    const paused = await api.ok("PATCH", `/program-executions/${id}/pause`, 200);
    await expectExecutionTrue(app, paused);
    expect(paused.status).toBe("paused");
    expect(paused.sequence).toBeGreaterThan(before.sequence);
    const pausedAgain = await api.ok("PATCH", `/program-executions/${id}/pause`, 200);
    expect(pausedAgain).toEqual(paused); // no change: same sequence, same updatedAt

    // curl -X PATCH /api/program-executions/EXECUTION_ID/resume
    const resumed = await api.ok("PATCH", `/program-executions/${id}/resume`, 200);
    await expectExecutionTrue(app, resumed);
    expect(resumed.status).toBe("running");
    expect(resumed.sequence).toBeGreaterThan(paused.sequence);
    expect(await api.ok("PATCH", `/program-executions/${id}/resume`, 200)).toEqual(resumed);

    // curl -X DELETE /api/program-executions/EXECUTION_ID
    const cancelled = await api.ok("DELETE", `/program-executions/${id}`, 200);
    await expectExecutionTrue(app, cancelled);
    expect(cancelled).toMatchObject({ status: "cancelled", contactsPending: 0, contactsSkipped: 5, totalContacts: 5 });
    expect(cancelled.actualEndAt).toMatch(ISO_MS); // nothing was in a call: finished at the cancel
    expect(await api.ok("DELETE", `/program-executions/${id}`, 200)).toEqual(cancelled);

    const resumeCancelled = await api.patch(`/program-executions/${id}/resume`);
    expectError(resumeCancelled, 409, "InvalidExecutionStateError");
    expect(Object.keys(resumeCancelled.body)).toEqual(["error", "message"]);
    expectError(await api.patch(`/program-executions/${id}/pause`), 409, "InvalidExecutionStateError");
    expect(await api.ok("GET", `/program-executions/${id}`, 200)).toEqual(cancelled);
  });

  it("per-program list: all of the program's executions, newest first, in the page envelope", async () => {
    api = await freshOrg();
    const fx = await restFixture(api);
    const other = await restFixture(api);
    await api.ok("POST", `/programs/${other.programId}/launch`, 201);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { executionId } = await api.ok("POST", `/programs/${fx.programId}/launch`, 201);
      ids.push(executionId);
      if (i < 2) await api.ok("DELETE", `/program-executions/${executionId}`, 200);
      await sleep(3); // distinct createdAt milliseconds, so "newest first" is well defined
    }
    // curl -X GET /api/programs/PROGRAM_ID/executions
    const page = await api.ok("GET", `/programs/${fx.programId}/executions`, 200);
    expect(Object.keys(page)).toEqual(["data", "meta"]);
    expect(page.data.map((e: { id: string }) => e.id)).toEqual([...ids].reverse());
    expect(page.data.map((e: { status: string }) => e.status)).toEqual(["running", "cancelled", "cancelled"]);
    expect(page.meta).toEqual({ page: 1, limit: 20, total: 3, totalPages: 1, hasNextPage: false, hasPreviousPage: false });
    for (const e of page.data) await expectExecutionTrue(app, e);

    const p1 = await api.ok("GET", `/programs/${fx.programId}/executions?page=1&limit=2`, 200);
    expect(p1.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    expect(p1.meta).toEqual({ page: 1, limit: 2, total: 3, totalPages: 2, hasNextPage: true, hasPreviousPage: false });
    const p2 = await api.ok("GET", `/programs/${fx.programId}/executions?page=2&limit=2`, 200);
    expect(p2.data.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
    expect(p2.meta).toEqual({ page: 2, limit: 2, total: 3, totalPages: 2, hasNextPage: false, hasPreviousPage: true });
  });

  it("active list: only the caller's scheduled, running and paused executions", async () => {
    api = await freshOrg();
    const [running, paused, scheduled, cancelled] = [await restFixture(api), await restFixture(api), await restFixture(api), await restFixture(api)];
    const ids: Record<string, string> = {};
    ids.running = (await api.ok("POST", `/programs/${running.programId}/launch`, 201)).executionId;
    await sleep(3);
    ids.paused = (await api.ok("POST", `/programs/${paused.programId}/launch`, 201)).executionId;
    await api.ok("PATCH", `/program-executions/${ids.paused}/pause`, 200);
    await sleep(3);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    ids.scheduled = (await api.ok("POST", `/programs/${scheduled.programId}/launch`, 201, { startAt: later })).executionId;
    await sleep(3);
    ids.cancelled = (await api.ok("POST", `/programs/${cancelled.programId}/launch`, 201)).executionId;
    await api.ok("DELETE", `/program-executions/${ids.cancelled}`, 200);

    // Another organization's running execution never shows.
    const otherOrg = await freshOrg();
    const foreign = await restFixture(otherOrg);
    await otherOrg.ok("POST", `/programs/${foreign.programId}/launch`, 201);

    // curl -X GET /api/program-executions
    const page = await api.ok("GET", "/program-executions", 200);
    expect(page.data.map((e: { id: string }) => e.id)).toEqual([ids.scheduled, ids.paused, ids.running]);
    expect(page.data.map((e: { status: string }) => e.status)).toEqual(["scheduled", "paused", "running"]);
    expect(page.meta).toMatchObject({ page: 1, total: 3, totalPages: 1 });
    for (const e of page.data) await expectExecutionTrue(app, e);

    const foreignPage = await otherOrg.ok("GET", "/program-executions", 200);
    expect(foreignPage.meta.total).toBe(1);
  });

  it("Authorization: Bearer works like x-api-key", async () => {
    const { apiKey } = await newOrg(app);
    const res = await api.request("GET", "/program-executions", { apiKey: null, headers: { Authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(200);
    expect(res.body.meta.total).toBe(0);
  });

  it("the execution's contacts (?status) and call attempts (?contactId), paged", async () => {
    api = await freshOrg();
    const fx = await restFixture(api, { count: 6 });
    const { executionId: id } = await api.ok("POST", `/programs/${fx.programId}/launch`, 201);
    const contacts = await api.ok("GET", `/program-executions/${id}/contacts?limit=4`, 200);
    expect(contacts.meta).toMatchObject({ total: 6, limit: 4, totalPages: 2, hasNextPage: true });
    // skipReason came with the calling rules (the contact shape gained it).
    expect(Object.keys(contacts.data[0])).toEqual(["contactId", "primaryPhone", "status", "attempts", "nextAttemptAt", "lastOutcome", "skipReason"]);
    expect(contacts.data[0]).toMatchObject({ status: "pending", attempts: 0, lastOutcome: null });
    expect(contacts.data[0].nextAttemptAt).toMatch(ISO_MS);
    expect((await api.ok("GET", `/program-executions/${id}/contacts?status=pending`, 200)).meta.total).toBe(6);
    expect((await api.ok("GET", `/program-executions/${id}/contacts?status=failed`, 200)).meta.total).toBe(0);
    expectError(await api.get(`/program-executions/${id}/contacts?status=bogus`), 400, "ValidationError", /status/);

    const calls = await api.ok("GET", `/program-executions/${id}/calls`, 200);
    expect(calls).toEqual({ data: [], meta: { page: 1, limit: 20, total: 0, totalPages: 0, hasNextPage: false, hasPreviousPage: false } });
    expect((await api.ok("GET", `/program-executions/${id}/calls?contactId=${fx.contactIds[0]}`, 200)).meta.total).toBe(0);
  });
});
