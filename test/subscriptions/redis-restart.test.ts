import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Client } from "graphql-ws";
import type { App } from "../../src/app";
import { ExecutionProgressDocument, GetExecutionDocument, LaunchProgramDocument, PauseExecutionDocument, ResumeExecutionDocument } from "../generated/graphql";
import { createProgramFixture, phones } from "../support/fixtures";
import { gqlOk } from "../support/graphql-client";
import { expectSumInvariant } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { expectOrderedAndTrue, freePort, moveContacts, OwnRedis, record, testDb, TestDb, uniquePrefix, waitUntil, wsClient } from "./support";

// A redis-server of this test's own, killed and restarted mid-run (never the machine's Redis).
describeEachDb("Redis restarted during a run", (target) => {
  let redis: OwnRedis;
  let app: App;
  let db: TestDb;
  let url: string;
  let org: { organizationId: string; apiKey: string };
  const prefix = uniquePrefix();
  const clients: Client[] = [];

  const readyz = async () => {
    const r = await fetch(`${url}/readyz`);
    return { status: r.status, body: (await r.json()) as { checks: Record<string, boolean> } };
  };
  /** How many connections are subscribed to the execution's channel on our Redis (0 while it is down). */
  const subscribers = async (executionId: string) => {
    const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      const [, n] = (await probe.pubsub("NUMSUB", `${prefix}execution:${executionId}`)) as [string, number];
      return Number(n);
    } catch {
      return 0;
    } finally {
      probe.disconnect();
    }
  };

  beforeAll(async () => {
    db = await testDb(target);
    redis = new OwnRedis(await freePort());
    await redis.start();
    app = await startTestApp({ databaseUrl: db.url, env: { REDIS_URL: redis.url, VOICECAST_REDIS_PREFIX: prefix, VOICECAST_PROGRESS_INTERVAL_MS: "50" } });
    url = `http://127.0.0.1:${app.port}`;
    org = await newOrg(app);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await app?.stop();
    await db?.drop();
    await redis?.stop();
  });

  it("events lost while Redis is down arrive from the database; after the restart the bus carries them again; the last event equals the final query", async () => {
    const f = await createProgramFixture(app, org.organizationId, { phones: phones(12) });
    const e = (await gqlOk(url, org.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
    const client = wsClient(app.port!, org.apiKey);
    clients.push(client);
    const rec = record(client, ExecutionProgressDocument, { executionId: e.id });
    await rec.until((r) => r.events.length >= 1, "the first event");
    expect((await readyz()).body.checks).toEqual({ database: true, redis: true });

    await moveContacts(app, e.id, { claim: 4 });
    await moveContacts(app, e.id, { complete: 4 });
    await rec.until((r) => r.last?.executionProgress.contactsCompleted === 4, "progress over Redis");

    await redis.stop();
    await waitUntil(async () => (await readyz()).status === 503, "/readyz to report Redis down");
    expect((await readyz()).body.checks).toEqual({ database: true, redis: false });

    // Queries and mutations keep working; the failed publishes fail no commit.
    const paused = (await gqlOk(url, org.apiKey, PauseExecutionDocument, { id: e.id })).pauseExecution;
    expect(paused.status).toBe("PAUSED");
    await rec.until((r) => r.last?.executionProgress.status === "PAUSED", "the pause, from the database");
    await gqlOk(url, org.apiKey, ResumeExecutionDocument, { id: e.id });
    await moveContacts(app, e.id, { claim: 4 });
    await moveContacts(app, e.id, { complete: 2, fail: 2 });
    await rec.until((r) => r.last?.executionProgress.contactsFailed === 2, "progress made while Redis was down");

    // A subscription started while Redis is down still gets its snapshot at once (it does not wait for Redis).
    const late = record(client, ExecutionProgressDocument, { executionId: e.id });
    await late.until((r) => r.events.length >= 1, "a snapshot for a subscriber that joined during the outage");
    expect(late.events[0].executionProgress.contactsFailed).toBe(2);

    await redis.start();
    await waitUntil(async () => (await readyz()).status === 200, "/readyz to report Redis back");
    // The API process subscribed again by itself (one connection for both subscribers).
    await waitUntil(async () => (await subscribers(e.id)) === 1, "the channel to be subscribed again");

    await moveContacts(app, e.id, { claim: 4 });
    await moveContacts(app, e.id, { complete: 4 });
    for (const r of [rec, late]) {
      await r.ended();
      expect(r.outcome).toBe("complete");
      const events = r.events.map((x) => x.executionProgress);
      for (const x of events) expectSumInvariant(x);
      for (let i = 1; i < events.length; i++) expect(events[i].sequence).toBeGreaterThan(events[i - 1].sequence);
      const final = (await gqlOk(url, org.apiKey, GetExecutionDocument, { id: e.id })).programExecution;
      expect(events[events.length - 1]).toEqual(final);
      expect(final).toMatchObject({ status: "COMPLETED", contactsCompleted: 10, contactsFailed: 2 });
    }
  });

  it("a final event published while Redis is down still completes the subscription", async () => {
    const f = await createProgramFixture(app, org.organizationId, { phones: phones(3, undefined, 50) });
    const e = (await gqlOk(url, org.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
    const client = wsClient(app.port!, org.apiKey);
    clients.push(client);
    const rec = record(client, ExecutionProgressDocument, { executionId: e.id });
    await rec.until((r) => r.events.length >= 1, "the first event");
    await moveContacts(app, e.id, { claim: 3 });
    await redis.stop();
    await moveContacts(app, e.id, { complete: 3 });
    await rec.ended();
    expect(rec.outcome).toBe("complete");
    const final = (await gqlOk(url, org.apiKey, GetExecutionDocument, { id: e.id })).programExecution;
    expect(rec.last!.executionProgress).toEqual(final);
    expect(final!.actualEndAt).not.toBeNull();
    await redis.start();
  });
  it("a run placed by the dispatcher while Redis goes away and comes back: the dispatcher keeps calling, the subscriber's last event equals the final query", async () => {
    // Its own database: the dispatcher serves every execution of its database.
    const ownDb = await testDb(target);
    const runner = await startTestApp({
      databaseUrl: ownDb.url,
      roles: "api,dispatcher",
      env: { REDIS_URL: redis.url, VOICECAST_REDIS_PREFIX: uniquePrefix(), VOICECAST_SIM_CALL_MS: "300", VOICECAST_POLL_MS: "20", VOICECAST_PROGRESS_INTERVAL_MS: "50" },
    });
    try {
      const runUrl = `http://127.0.0.1:${runner.port}`;
      const own = await newOrg(runner);
      const f = await createProgramFixture(runner, own.organizationId, { phones: phones(16, undefined, 100), maxConcurrentCalls: 2 });
      const e = (await gqlOk(runUrl, own.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
      const ownClient = wsClient(runner.port!, own.apiKey);
      clients.push(ownClient);
      const rec = record(ownClient, ExecutionProgressDocument, { executionId: e.id });
      const ended = (r: typeof rec) => (r.last ? r.last.executionProgress.contactsCompleted + r.last.executionProgress.contactsFailed : 0);
      await rec.until((r) => ended(r) >= 4, "some calls to end");
      await redis.stop();
      // Calls go on and their progress still arrives, from the database.
      await rec.until((r) => ended(r) >= 8, "progress while Redis is down");
      await redis.start();
      await rec.ended(60_000);
      const last = await expectOrderedAndTrue(runUrl, own.apiKey, rec);
      expect(last.status).toBe("COMPLETED");
      expect(last.contactsCompleted + last.contactsFailed).toBe(16);
    } finally {
      await runner.stop();
      await ownDb.drop();
      await redis.start();
    }
  });
});
