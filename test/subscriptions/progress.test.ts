import { afterAll, beforeAll, expect, it } from "vitest";
import type { Client } from "graphql-ws";
import type { App } from "../../src/app";
import {
  CancelExecutionDocument,
  ExecutionProgressDocument,
  ExecutionsChangedDocument,
  GetExecutionDocument,
  LaunchProgramDocument,
  PauseExecutionDocument,
  ResumeExecutionDocument,
} from "../generated/graphql";
import { createProgramFixture, phones } from "../support/fixtures";
import { gqlOk } from "../support/graphql-client";
import { expectCountersTrue, expectSumInvariant } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { busEnv, closeCode, expectOrderedAndTrue, moveContacts, Recorder, record, sleep, testDb, TestDb, waitUntil, wsClient } from "./support";

describeEachDb("executionProgress and executionsChanged over graphql-ws", (target) => {
  let app: App;
  let db: TestDb;
  let url: string;
  let a: { organizationId: string; apiKey: string };
  let b: { organizationId: string; apiKey: string };
  const clients: Client[] = [];
  const client = (key: string | null) => {
    const c = wsClient(app.port!, key);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await testDb(target);
    // A progress interval long enough that coalescing is visible, short enough to keep the tests quick.
    app = await startTestApp({ databaseUrl: db.url, env: busEnv({ VOICECAST_PROGRESS_INTERVAL_MS: "300" }) });
    url = `http://127.0.0.1:${app.port}`;
    a = await newOrg(app, "A");
    b = await newOrg(app, "B");
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await app?.stop();
    await db?.drop();
  });

  const launch = async (count: number, offset: number) => {
    const f = await createProgramFixture(app, a.organizationId, { phones: phones(count, undefined, offset) });
    return { f, e: (await gqlOk(url, a.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram };
  };

  it("a late subscriber's first event already shows the calls that ended", async () => {
    const { e } = await launch(10, 0);
    await moveContacts(app, e.id, { claim: 5 });
    await moveContacts(app, e.id, { complete: 4, fail: 1 });
    const rec = record(client(a.apiKey), ExecutionProgressDocument, { executionId: e.id });
    await rec.until((r) => r.events.length >= 1, "the first event");
    const first = rec.events[0].executionProgress;
    expect(first).toMatchObject({ id: e.id, status: "RUNNING", contactsCompleted: 4, contactsFailed: 1, contactsPending: 5, contactsInProgress: 0 });
    expectSumInvariant(first);
    expect(first).toEqual((await gqlOk(url, a.apiKey, GetExecutionDocument, { id: e.id })).programExecution);
    rec.dispose();
  });

  it("many small commits: every event true, sequence strictly increasing, the last equals the final query, then it completes", async () => {
    const { e } = await launch(30, 100);
    const rec = record(client(a.apiKey), ExecutionProgressDocument, { executionId: e.id });
    await rec.until((r) => r.events.length >= 1, "the first event");
    for (let i = 0; i < 6; i++) {
      await moveContacts(app, e.id, { claim: 5 });
      await moveContacts(app, e.id, { complete: 3, fail: 2 });
    }
    await rec.ended();
    expect(rec.outcome).toBe("complete");
    expect(rec.errors).toEqual([]);
    const last = await expectOrderedAndTrue(url, a.apiKey, rec);
    expect(last).toMatchObject({ status: "COMPLETED", contactsCompleted: 18, contactsFailed: 12, contactsPending: 0, contactsInProgress: 0 });
    await expectCountersTrue(app.db, e.id);
  });

  it("coalesces counter-only bursts, keeps the latest (trailing edge), and sends each status change on its own", async () => {
    const { e } = await launch(20, 200);
    const rec = record(client(a.apiKey), ExecutionProgressDocument, { executionId: e.id });
    await rec.until((r) => r.events.length >= 1, "the first event");
    // A burst of 10 counter-only commits.
    const stamp = rec.events.length;
    const started = performance.now();
    for (let i = 0; i < 10; i++) await moveContacts(app, e.id, { claim: 1 });
    const burstMs = performance.now() - started;
    const afterBurst = (await gqlOk(url, a.apiKey, GetExecutionDocument, { id: e.id })).programExecution!;
    await rec.until((r) => r.last?.executionProgress.sequence === afterBurst.sequence, "the trailing edge of the burst");
    const burst = rec.events.slice(stamp).map((x) => x.executionProgress);
    expect(burst[burst.length - 1]).toEqual(afterBurst);
    // At most one counter-only event per 300 ms interval while the burst lasted, plus the trailing edge. A bound
    // that scales with the measured burst: slow commits can only raise it, never fail it.
    expect(burst.length).toBeLessThanOrEqual(Math.floor(burstMs / 300) + 2);

    // Status changes in quick succession are never merged: each arrives as its own event, in order.
    const before = rec.events.length;
    await gqlOk(url, a.apiKey, PauseExecutionDocument, { id: e.id });
    await gqlOk(url, a.apiKey, ResumeExecutionDocument, { id: e.id });
    await gqlOk(url, a.apiKey, PauseExecutionDocument, { id: e.id });
    await gqlOk(url, a.apiKey, CancelExecutionDocument, { id: e.id });
    await rec.until((r) => r.last?.executionProgress.status === "CANCELLED", "the cancel");
    expect(rec.events.slice(before).map((x) => x.executionProgress.status)).toEqual(["PAUSED", "RUNNING", "PAUSED", "CANCELLED"]);

    // Cancelled with 10 calls in flight: not finished, so the subscription stays open until the last call ends.
    expect(rec.last!.executionProgress).toMatchObject({ contactsInProgress: 10, actualEndAt: null });
    expect(rec.outcome).toBeNull();
    await moveContacts(app, e.id, { complete: 6 });
    await sleep(50);
    expect(rec.outcome).toBeNull();
    await moveContacts(app, e.id, { complete: 4 });
    await rec.ended();
    expect(rec.outcome).toBe("complete");
    const last = await expectOrderedAndTrue(url, a.apiKey, rec);
    expect(last).toMatchObject({ status: "CANCELLED", contactsInProgress: 0, contactsCompleted: 10, contactsSkipped: 10 });
  });

  it("a finished execution sends its final snapshot and completes at once", async () => {
    const { e } = await launch(2, 300);
    await moveContacts(app, e.id, { claim: 2 });
    await moveContacts(app, e.id, { complete: 2 });
    const rec = record(client(a.apiKey), ExecutionProgressDocument, { executionId: e.id });
    await rec.ended();
    expect(rec.outcome).toBe("complete");
    expect(rec.events).toHaveLength(1);
    await expectOrderedAndTrue(url, a.apiKey, rec);
  });

  it("an event lost on the way (the final one included) still arrives from the database, and the subscription completes", async () => {
    const { e } = await launch(4, 400);
    const rec = record(client(a.apiKey), ExecutionProgressDocument, { executionId: e.id });
    await rec.until((r) => r.events.length >= 1, "the first event");
    await moveContacts(app, e.id, { claim: 4, publish: false });
    await rec.until((r) => r.last?.executionProgress.contactsInProgress === 4, "the unpublished claim");
    await moveContacts(app, e.id, { complete: 4, publish: false });
    await rec.ended();
    expect(rec.outcome).toBe("complete");
    const last = await expectOrderedAndTrue(url, a.apiKey, rec);
    expect(last.status).toBe("COMPLETED");
  });

  it("executionsChanged: launches and status changes of the caller's organization, optionally one program", async () => {
    const all = record(client(a.apiKey), ExecutionsChangedDocument, {});
    const first = await createProgramFixture(app, a.organizationId, { phones: phones(3, undefined, 500) });
    const only = record(client(a.apiKey), ExecutionsChangedDocument, { programId: first.programId });
    const other = await createProgramFixture(app, a.organizationId, { phones: phones(3, undefined, 510) });
    // The feed sends nothing at start: wait until this process's feed is subscribed and has its baseline.
    await waitUntil(() => app.live!.followed.organizations.includes(a.organizationId), "the feed to start");
    await app.live!.settled();

    const e1 = (await gqlOk(url, a.apiKey, LaunchProgramDocument, { programId: first.programId })).launchProgram;
    const e2 = (await gqlOk(url, a.apiKey, LaunchProgramDocument, { programId: other.programId })).launchProgram;
    await moveContacts(app, e1.id, { claim: 1 }); // counters only: not a change of this feed
    await gqlOk(url, a.apiKey, PauseExecutionDocument, { id: e1.id });
    await gqlOk(url, a.apiKey, CancelExecutionDocument, { id: e2.id });
    await all.until((r) => r.events.some((x) => x.executionsChanged.id === e2.id && x.executionsChanged.status === "CANCELLED"), "e2's cancel");
    await only.until((r) => r.events.some((x) => x.executionsChanged.status === "PAUSED"), "e1's pause");

    const seen = (r: typeof all) => r.events.map((x) => `${x.executionsChanged.id === e1.id ? "e1" : "e2"}:${x.executionsChanged.status}`);
    expect(seen(all).filter((s) => s.startsWith("e1"))).toEqual(["e1:RUNNING", "e1:PAUSED"]);
    expect(seen(all).filter((s) => s.startsWith("e2"))).toEqual(["e2:RUNNING", "e2:CANCELLED"]);
    expect(seen(only)).toEqual(["e1:RUNNING", "e1:PAUSED"]);
    for (const x of all.events) expectSumInvariant(x.executionsChanged);
    all.dispose();
    only.dispose();
  });

  it("tenancy: B cannot follow A's execution, and gets none of A's executionsChanged events", async () => {
    const { e } = await launch(3, 600);
    const asB = client(b.apiKey);
    const denied = record(asB, ExecutionProgressDocument, { executionId: e.id });
    await denied.ended();
    expect(denied.events).toEqual([]);
    expect(denied.errors.map((x) => x.extensions?.code)).toEqual(["EXECUTION_NOT_FOUND"]);

    for (const executionId of ["not-a-uuid", "00000000-0000-4000-8000-000000000000"]) {
      const r = record(asB, ExecutionProgressDocument, { executionId });
      await r.ended();
      expect(r.errors.map((x) => x.extensions?.code)).toEqual(["EXECUTION_NOT_FOUND"]);
    }

    const feedB = record(asB, ExecutionsChangedDocument, {});
    await waitUntil(() => app.live!.followed.organizations.includes(b.organizationId), "the feed to start");
    await app.live!.settled();
    const other = await launch(3, 610);
    await gqlOk(url, a.apiKey, PauseExecutionDocument, { id: other.e.id });
    await gqlOk(url, a.apiKey, CancelExecutionDocument, { id: e.id });
    // B's own launch arrives, which shows the feed is live and A's events were there to leak.
    const own = await createProgramFixture(app, b.organizationId, { phones: phones(2, undefined, 620) });
    const ownExecution = (await gqlOk(url, b.apiKey, LaunchProgramDocument, { programId: own.programId })).launchProgram;
    await feedB.until((r) => r.events.some((x) => x.executionsChanged.id === ownExecution.id), "B's own launch");
    await app.live!.poll();
    expect(feedB.events.map((x) => x.executionsChanged.organizationId)).toEqual([b.organizationId]);
    feedB.dispose();
  });

  it("refuses a missing or bad key with close code 4403 before any operation runs", async () => {
    const { e } = await launch(1, 700);
    for (const key of [null, "vc_not_a_key"]) {
      const rec = record(client(key), ExecutionProgressDocument, { executionId: e.id });
      await rec.ended();
      expect(rec.outcome).toBe("error");
      expect(closeCode(rec.failure)).toBe(4403);
      expect(rec.events).toEqual([]);
    }
  });

  it("a malformed subscription gets a GraphQL error; the socket and the server stay up", async () => {
    const { e } = await launch(1, 800);
    const c = client(a.apiKey);
    const broken = [
      "subscription { executionProgress(executionId: ",
      "subscription { executionProgress(executionId: \"x\") { noSuchField } }",
      "subscription { executionProgress { id } }",
    ];
    for (const query of broken) {
      const r = new Recorder<unknown>(c, query, {});
      await r.ended();
      expect(r.outcome).toBe("error");
      expect(closeCode(r.failure)).toBeUndefined();
      expect(r.errors.length).toBeGreaterThan(0);
      expect(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"]).toContain(r.errors[0].extensions?.code);
    }
    const wrongType = record(c, ExecutionProgressDocument, { executionId: 42 as unknown as string });
    await wrongType.until((r) => r.events.length > 0 || r.outcome !== null, "an answer");
    const ok = record(c, ExecutionProgressDocument, { executionId: e.id });
    await ok.until((r) => r.events.length >= 1, "a working subscription on the same socket");
    ok.dispose();
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  });
});
