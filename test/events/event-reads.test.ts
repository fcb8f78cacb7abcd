import type { Client } from "graphql-ws";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { dispatcherEnv, privateDatabase, readExec, sleep, waitFinished, waitFor } from "../dispatcher/support";
import { ExecutionEventsDocument, ExecutionEventsLiveDocument, ExecutionProgressAfterDocument } from "../generated/graphql";
import { expectError, Rest, restFor } from "../rest/support";
import { busEnv, record, wsClient } from "../subscriptions/support";
import { createProgramFixture, phones } from "../support/fixtures";
import { gql, gqlOk } from "../support/graphql-client";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describeEachDb("reading the event log: REST pages, the GraphQL query, the replay-then-live subscription", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};
  let url: string;
  let org: { organizationId: string; apiKey: string };
  let api: Rest;
  const clients: Client[] = [];
  const client = () => {
    const c = wsClient(app.port!, org.apiKey);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const db = await privateDatabase(target, "event_reads");
    drop = db.drop;
    app = await startTestApp({ databaseUrl: db.url, roles: "api,dispatcher", env: dispatcherEnv(busEnv({ VOICECAST_SIM_CALL_MS: "30" })) });
    url = `http://127.0.0.1:${app.port}`;
    org = await newOrg(app);
    api = restFor(app, org.apiKey);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await app?.stop();
    await drop();
  });

  /** Every event through REST pages of `limit`. */
  async function restLog(executionId: string, limit: number): Promise<Json[]> {
    const out: Json[] = [];
    for (let after = 0; ; ) {
      const page = await api.ok("GET", `/program-executions/${executionId}/events?after=${after}&limit=${limit}`, 200);
      expect(page.meta).toMatchObject({ after, limit });
      expect(page.data.length).toBeLessThanOrEqual(limit);
      out.push(...page.data);
      if (!page.meta.hasMore) return out;
      expect(page.data).toHaveLength(limit);
      after = page.data[page.data.length - 1].position;
    }
  }

  it("is complete, ordered and gapless across pause, resume and cancel, in REST pages and the GraphQL query alike; a subscription from 0 gets the same", async () => {
    const { programId } = await createProgramFixture(app, org.organizationId, {
      phones: phones(30),
      retryStrategy: { type: "fixed_delay", delayMinutes: 0.003, maxRetries: 1 },
      maxConcurrentCalls: 3,
    });
    const s = app.services.executions;
    const execution = await s.launch(org.organizationId, programId);
    const live = record(client(), ExecutionEventsLiveDocument, { executionId: execution.id });
    await waitFor("some calls", async () => ((await readExec(app, execution.id)).contactsCompleted >= 4 ? true : null));
    await s.pause(org.organizationId, execution.id);
    await sleep(150);
    await s.resume(org.organizationId, execution.id);
    await waitFor("more calls", async () => ((await readExec(app, execution.id)).contactsCompleted >= 10 ? true : null));
    await s.cancel(org.organizationId, execution.id);
    const done = await waitFinished(app, execution.id);

    const log = await restLog(execution.id, 7);
    expect(log.map((e) => e.position)).toEqual(log.map((_, i) => i + 1));
    expect(log).toHaveLength(done.eventPosition);
    expect(log[0]).toMatchObject({ type: "execution.launched", executionId: execution.id, data: { totalContacts: 30 } });
    expect(log[log.length - 1]).toMatchObject({ type: "execution.finished", sequence: done.sequence, data: { status: "cancelled" } });
    expect(log.filter((e) => e.type === "execution.status_changed").map((e) => [e.data.from, e.data.to])).toEqual([
      ["running", "paused"],
      ["paused", "running"],
      ["running", "cancelled"],
    ]);
    const attempts = await app.db.read((r) => r.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM call_attempts WHERE execution_id = ?", [execution.id]));
    expect(log.filter((e) => e.type === "attempt.finished")).toHaveLength(Number(attempts[0].n));

    // The GraphQL query pages the same log.
    const viaGraphql: Json[] = [];
    for (let after = 0; ; ) {
      const { executionEvents: page } = await gqlOk(url, org.apiKey, ExecutionEventsDocument, { executionId: execution.id, after, limit: 11 });
      viaGraphql.push(...page.data);
      if (!page.meta.hasMore) break;
      after = page.data[page.data.length - 1].position;
    }
    expect(viaGraphql).toEqual(log);

    // The subscription started at launch saw every event once, in order, and completed after execution.finished.
    await live.ended();
    expect(live.errors).toEqual([]);
    expect(live.outcome).toBe("complete");
    expect(live.events.map((e) => e.executionEvents)).toEqual(log);
  });

  it("a subscription with `after` replays exactly what was missed, then goes live with no gap and no repeat at the seam", async () => {
    const { programId } = await createProgramFixture(app, org.organizationId, { phones: phones(24, undefined, 100), maxConcurrentCalls: 2 });
    const s = app.services.executions;
    const execution = await s.launch(org.organizationId, programId);
    await waitFor("some calls", async () => ((await readExec(app, execution.id)).contactsCompleted >= 6 ? true : null));
    await s.pause(org.organizationId, execution.id);
    await waitFor("calls in progress to end", async () => ((await readExec(app, execution.id)).contactsInProgress === 0 ? true : null));

    // A client saw the log up to `seen`, then lost its connection; more happened since.
    const before = await restLog(execution.id, 1000);
    const seen = Math.floor(before.length / 2);
    expect(seen).toBeGreaterThan(2);
    const rec = record(client(), ExecutionEventsLiveDocument, { executionId: execution.id, after: seen });
    await rec.until((r) => r.events.length >= before.length - seen, "the replay");
    expect(rec.events.map((e) => e.executionEvents)).toEqual(before.slice(seen));

    // Live from here: the rest of the run.
    await s.resume(org.organizationId, execution.id);
    await rec.ended();
    await waitFinished(app, execution.id);
    expect(rec.errors).toEqual([]);
    const full = await restLog(execution.id, 1000);
    expect(full.length).toBeGreaterThan(before.length);
    expect(rec.events.map((e) => e.executionEvents)).toEqual(full.slice(seen));
    expect(full[full.length - 1].type).toBe("execution.finished");

    // Subscribing after the end: the rest of the log (here nothing), then complete.
    const late = record(client(), ExecutionEventsLiveDocument, { executionId: execution.id, after: full.length - 2 });
    await late.ended();
    expect(late.events.map((e) => e.executionEvents.position)).toEqual([full.length - 1, full.length]);
    const none = record(client(), ExecutionEventsLiveDocument, { executionId: execution.id, after: full.length });
    await none.ended();
    expect(none.outcome).toBe("complete");
    expect(none.events).toEqual([]);
  });

  it("executionProgress with `after` skips the first snapshot when nothing changed since, and sends it when something did", async () => {
    const { programId } = await createProgramFixture(app, org.organizationId, { phones: phones(3, 0, 300) });
    const later = new Date(Date.now() + 3_600_000);
    const execution = await app.services.executions.launch(org.organizationId, programId, { startAt: later });

    const unchanged = record(client(), ExecutionProgressAfterDocument, { executionId: execution.id, after: execution.sequence });
    const changed = record(client(), ExecutionProgressAfterDocument, { executionId: execution.id, after: execution.sequence - 1 });
    await changed.until((r) => r.events.length >= 1, "the first snapshot");
    expect(changed.events[0].executionProgress).toMatchObject({ id: execution.id, sequence: execution.sequence, status: "SCHEDULED" });
    await sleep(400);
    expect(unchanged.events).toEqual([]);
    expect(unchanged.outcome).toBeNull();

    const cancelled = await app.services.executions.cancel(org.organizationId, execution.id);
    await unchanged.ended();
    expect(unchanged.errors).toEqual([]);
    expect(unchanged.events.map((e) => e.executionProgress.sequence)).toEqual([cancelled.sequence]);
    expect(unchanged.events[0].executionProgress).toMatchObject({ status: "CANCELLED" });

    // Finished and already seen: completes with nothing.
    const seenAll = record(client(), ExecutionProgressAfterDocument, { executionId: execution.id, after: cancelled.sequence });
    await seenAll.ended();
    expect(seenAll.outcome).toBe("complete");
    expect(seenAll.events).toEqual([]);
  });

  it("refuses bad paging and other organizations' executions", async () => {
    const { programId } = await createProgramFixture(app, org.organizationId, { phones: phones(2, 0, 400) });
    const execution = await app.services.executions.launch(org.organizationId, programId, { startAt: new Date(Date.now() + 3_600_000) });
    expectError(await api.get(`/program-executions/${execution.id}/events?limit=0`), 400, "ValidationError", /limit/);
    expectError(await api.get(`/program-executions/${execution.id}/events?limit=1001`), 400, "ValidationError", /limit/);
    expectError(await api.get(`/program-executions/${execution.id}/events?after=-1`), 400, "ValidationError", /after/);
    expectError(await api.get(`/program-executions/${execution.id}/events?after=x`), 400, "ValidationError", /after/);
    const other = await newOrg(app, "other");
    expectError(await restFor(app, other.apiKey).get(`/program-executions/${execution.id}/events`), 404, "ExecutionNotFoundError");
    expectError(await api.get(`/program-executions/not-a-uuid/events`), 404, "ExecutionNotFoundError");
    const r = await gql(url, other.apiKey, ExecutionEventsDocument, { executionId: execution.id });
    expect(r.errors?.[0].extensions?.code).toBe("EXECUTION_NOT_FOUND");
    const sub = record(wsClient(app.port!, other.apiKey), ExecutionEventsLiveDocument, { executionId: execution.id });
    await sub.ended();
    expect(sub.errors[0]?.extensions?.code).toBe("EXECUTION_NOT_FOUND");
    const page = await api.ok("GET", `/program-executions/${execution.id}/events`, 200);
    expect(page).toMatchObject({ meta: { after: 0, limit: 100, hasMore: false } });
    expect(page.data.map((e: Json) => e.type)).toEqual(["execution.launched"]);
    await app.services.executions.cancel(org.organizationId, execution.id);
  });
});
