import { afterAll, beforeAll, expect, it } from "vitest";
import type { Client } from "graphql-ws";
import type { App } from "../../src/app";
import { CancelExecutionDocument, ExecutionProgressDocument, GetExecutionDocument, LaunchProgramDocument } from "../generated/graphql";
import { createProgramFixture, phones } from "../support/fixtures";
import { gqlOk } from "../support/graphql-client";
import { expectCountersTrue } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { busEnv, expectOrderedAndTrue, record, testDb, TestDb, waitUntil, wsClient } from "./support";

// End to end in one process: the real dispatcher places simulated calls and publishes after each commit.
describeEachDb("executionProgress of runs placed by the dispatcher", (target) => {
  let app: App;
  let db: TestDb;
  let url: string;
  let org: { organizationId: string; apiKey: string };
  const clients: Client[] = [];
  const client = () => {
    const c = wsClient(app.port!, org.apiKey);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await testDb(target);
    app = await startTestApp({
      databaseUrl: db.url,
      roles: "api,dispatcher",
      env: busEnv({ VOICECAST_SIM_CALL_MS: "1000", VOICECAST_POLL_MS: "20", VOICECAST_PROGRESS_INTERVAL_MS: "100" }),
    });
    url = `http://127.0.0.1:${app.port}`;
    org = await newOrg(app);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await app?.stop();
    await db?.drop();
  });

  const launch = async (count: number, offset: number, maxConcurrentCalls: number) => {
    const f = await createProgramFixture(app, org.organizationId, { phones: phones(count, undefined, offset), maxConcurrentCalls });
    return (await gqlOk(url, org.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
  };
  const query = async (id: string) => (await gqlOk(url, org.apiKey, GetExecutionDocument, { id })).programExecution!;

  it("a full run: every event true, sequence strictly increasing, the last equals the final query, then it completes", async () => {
    const e = await launch(20, 0, 5);
    const rec = record(client(), ExecutionProgressDocument, { executionId: e.id });
    await rec.ended(60_000);
    const last = await expectOrderedAndTrue(url, org.apiKey, rec);
    expect(last.status).toBe("COMPLETED");
    expect(last.contactsCompleted + last.contactsFailed).toBe(20);
    // The run was seen moving, not only its end.
    expect(rec.events.length).toBeGreaterThan(2);
    await expectCountersTrue(app.db, e.id);
  });

  it("a late subscriber, after half the calls ended: its first event already shows them", async () => {
    const e = await launch(12, 100, 2);
    let ended = 0;
    await waitUntil(async () => {
      const now = await query(e.id);
      ended = now.contactsCompleted + now.contactsFailed;
      return ended >= 6;
    }, "half the calls to end", 60_000);
    const rec = record(client(), ExecutionProgressDocument, { executionId: e.id });
    await rec.until((r) => r.events.length >= 1, "the first event");
    const first = rec.events[0].executionProgress;
    expect(first.contactsCompleted + first.contactsFailed).toBeGreaterThanOrEqual(ended);
    await rec.ended(60_000);
    await expectOrderedAndTrue(url, org.apiKey, rec);
  });

  it("after a cancel with calls in flight, the subscription completes only once the last call has ended", async () => {
    const e = await launch(10, 200, 3);
    const rec = record(client(), ExecutionProgressDocument, { executionId: e.id });
    await rec.until((r) => (r.last?.executionProgress.contactsInProgress ?? 0) > 0, "calls in flight");
    const cancelled = (await gqlOk(url, org.apiKey, CancelExecutionDocument, { id: e.id })).cancelExecution;
    expect(cancelled).toMatchObject({ status: "CANCELLED", actualEndAt: null });
    expect(cancelled.contactsInProgress).toBeGreaterThan(0);
    // Cancelled but not finished: an event says so, and the subscription stays open.
    await rec.until((r) => r.events.some((x) => x.executionProgress.status === "CANCELLED"), "the cancel");
    const at = rec.events.find((x) => x.executionProgress.status === "CANCELLED")!.executionProgress;
    expect(at.actualEndAt).toBeNull();
    expect(at.contactsInProgress).toBeGreaterThan(0);
    await rec.ended(60_000);
    const last = await expectOrderedAndTrue(url, org.apiKey, rec);
    expect(last).toMatchObject({ status: "CANCELLED", contactsInProgress: 0, contactsPending: 0 });
    expect(last.contactsSkipped).toBeGreaterThan(0);
    expect(last.contactsCompleted + last.contactsFailed).toBeGreaterThan(0);
    await expectCountersTrue(app.db, e.id);
  });
});
