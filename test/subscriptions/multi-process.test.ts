import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { expectCountersTrue } from "../support/invariants";
import { exited, startService, waitForHttp } from "../support/processes";
import { SERVER_DB_URL, SERVER_REDIS_URL } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { closeCode, expectOrderedAndTrue, freePort, ownServerDb, Recorder, record, Snapshot, TestDb, uniquePrefix, wsClient } from "./support";

// Two API processes and one dispatcher process (`node dist/src/main.js`, so `npm run build` first) on one MariaDB
// and one Redis. This test process only sets up data and asks questions.
const describeMulti = SERVER_DB_URL && SERVER_REDIS_URL ? describe : describe.skip;

describeMulti("live progress across processes [mariadb + redis]", () => {
  let db: TestDb;
  let setup: App;
  let org: { organizationId: string; apiKey: string };
  const children: Array<{ child: ChildProcess; output: () => string }> = [];
  const clients: Client[] = [];
  const api: Array<{ port: number; url: string }> = [];

  beforeAll(async () => {
    db = await ownServerDb();
    // Migrates the database and creates the organization; no dispatcher, no Redis.
    setup = await startTestApp({ databaseUrl: db.url, roles: "api" });
    org = await newOrg(setup);
    const common = {
      DATABASE_URL: db.url,
      REDIS_URL: SERVER_REDIS_URL!,
      VOICECAST_REDIS_PREFIX: uniquePrefix(),
      VOICECAST_PROGRESS_INTERVAL_MS: "100",
    };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      children.push(startService({ ...common, VOICECAST_ROLES: "api", PORT: String(port) }));
      api.push({ port, url: `http://127.0.0.1:${port}` });
    }
    // Calls long enough to pause and cancel while some are in flight.
    children.push(startService({ ...common, VOICECAST_ROLES: "dispatcher", VOICECAST_SIM_CALL_MS: "800", VOICECAST_POLL_MS: "50" }));
    try {
      for (const { url } of api) await waitForHttp(`${url}/readyz`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${children.map((c) => c.output()).join("\n")}`);
    }
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    // Every child, even when a test failed.
    await Promise.all(
      children.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGKILL");
        await exited(child);
      }),
    );
    await setup?.stop();
    await db?.drop();
  });

  const subscribe = (port: number, executionId: string): Recorder<{ executionProgress: Snapshot }> => {
    const c = wsClient(port, org.apiKey);
    clients.push(c);
    return record(c, ExecutionProgressDocument, { executionId });
  };
  const statuses = (r: Recorder<{ executionProgress: Snapshot }>) =>
    r.events.map((x) => x.executionProgress.status).filter((s, i, all) => i === 0 || s !== all[i - 1]);

  it("a subscriber on each API process follows an execution launched through the other, to the final snapshot", async () => {
    const runs = [];
    for (const [launchVia, other] of [
      [0, 1],
      [1, 0],
    ]) {
      const f = await createProgramFixture(setup, org.organizationId, { phones: phones(12, undefined, launchVia * 100), maxConcurrentCalls: 4 });
      const e = (await gqlOk(api[launchVia].url, org.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
      runs.push({ e, recs: [subscribe(api[other].port, e.id), subscribe(api[launchVia].port, e.id)] });
    }
    for (const { e, recs } of runs) {
      for (const rec of recs) {
        await rec.ended(90_000);
        for (const { url } of api) await expectOrderedAndTrue(url, org.apiKey, rec);
        expect(rec.last!.executionProgress).toMatchObject({ status: "COMPLETED", contactsCompleted: expect.any(Number) });
        // Progress was seen on the way, not only the end.
        expect(rec.events.length).toBeGreaterThan(2);
      }
      await expectCountersTrue(setup.db, e.id);
    }
  });

  it("pause, resume and cancel through the other API process reach both subscribers, each status as its own event; the end waits for the last call", async () => {
    const f = await createProgramFixture(setup, org.organizationId, { phones: phones(30, 1, 300), maxConcurrentCalls: 3 });
    const e = (await gqlOk(api[0].url, org.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
    const recs = [subscribe(api[0].port, e.id), subscribe(api[1].port, e.id)];
    for (const rec of recs) await rec.until((r) => (r.last?.executionProgress.contactsInProgress ?? 0) > 0, "calls in flight");

    const onEach = async (status: string) => {
      for (const rec of recs) await rec.until((r) => r.last?.executionProgress.status === status, status);
    };
    await gqlOk(api[1].url, org.apiKey, PauseExecutionDocument, { id: e.id });
    await onEach("PAUSED");
    await gqlOk(api[0].url, org.apiKey, ResumeExecutionDocument, { id: e.id });
    await onEach("RUNNING");
    for (const rec of recs) await rec.until((r) => (r.last?.executionProgress.contactsInProgress ?? 0) > 0, "calls in flight again");
    const cancelled = (await gqlOk(api[1].url, org.apiKey, CancelExecutionDocument, { id: e.id })).cancelExecution;
    expect(cancelled).toMatchObject({ status: "CANCELLED", actualEndAt: null });
    expect(cancelled.contactsInProgress).toBeGreaterThan(0);

    for (const rec of recs) {
      await rec.until((r) => r.events.some((x) => x.executionProgress.status === "CANCELLED"), "the cancel");
      const at = rec.events.find((x) => x.executionProgress.status === "CANCELLED")!.executionProgress;
      expect(at.actualEndAt).toBeNull();
      expect(at.contactsInProgress).toBeGreaterThan(0);
    }
    for (const rec of recs) {
      await rec.ended(60_000);
      const last = await expectOrderedAndTrue(api[0].url, org.apiKey, rec);
      expect(last).toMatchObject({ status: "CANCELLED", contactsInProgress: 0, contactsPending: 0 });
      expect(statuses(rec)).toEqual(["RUNNING", "PAUSED", "RUNNING", "CANCELLED"]);
    }
    expect(recs[0].last).toEqual(recs[1].last);
    await expectCountersTrue(setup.db, e.id);
  });

  it("executionsChanged on one API process sees launches and status changes made through the other", async () => {
    const c = wsClient(api[1].port, org.apiKey);
    clients.push(c);
    const f = await createProgramFixture(setup, org.organizationId, { phones: phones(3, 1, 400), maxConcurrentCalls: 1 });
    const feed = record(c, ExecutionsChangedDocument, { programId: f.programId });
    // The feed sends nothing at start; a launch it missed while starting would still come from the database, so
    // wait for the launch rather than for the feed.
    const e = (await gqlOk(api[0].url, org.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
    await feed.until((r) => r.events.some((x) => x.executionsChanged.id === e.id), "the launch");
    await gqlOk(api[0].url, org.apiKey, CancelExecutionDocument, { id: e.id });
    await feed.until((r) => r.events.some((x) => x.executionsChanged.status === "CANCELLED"), "the cancel");
    // The last call ends later, through the dispatcher process: the feed gets the finished snapshot as well.
    await feed.until((r) => r.last?.executionsChanged.actualEndAt != null, "the end");
    const final = (await gqlOk(api[0].url, org.apiKey, GetExecutionDocument, { id: e.id })).programExecution!;
    expect(feed.last!.executionsChanged).toEqual(final);
    expect(final.status).toBe("CANCELLED");
    expect(feed.events.every((x) => x.executionsChanged.programId === f.programId)).toBe(true);
  });
  it("SIGTERM with subscribers connected: the API process exits 0 and its clients see 1001; the other keeps serving", async () => {
    const f = await createProgramFixture(setup, org.organizationId, { phones: phones(6, 1, 500), maxConcurrentCalls: 1 });
    const e = (await gqlOk(api[0].url, org.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
    const leaving = subscribe(api[1].port, e.id);
    const staying = subscribe(api[0].port, e.id);
    for (const r of [leaving, staying]) await r.until((x) => x.events.length >= 1, "the first event");
    const { child } = children[1];
    child.kill("SIGTERM");
    expect(await exited(child)).toBe(0);
    await leaving.ended();
    expect(leaving.outcome).toBe("error");
    expect(closeCode(leaving.failure)).toBe(1001);
    await gqlOk(api[0].url, org.apiKey, CancelExecutionDocument, { id: e.id });
    await staying.ended(60_000);
    await expectOrderedAndTrue(api[0].url, org.apiKey, staying);
  });
});
