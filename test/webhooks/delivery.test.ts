import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { ManualClock } from "../../src/shared/clock";
import { restFor } from "../rest/support";
import { dispatcherEnv, privateDatabase, sleep, waitFinished, waitFor } from "../dispatcher/support";
import { createProgramFixture, phones } from "../support/fixtures";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { byExecution, eventsOf, Receiver, verifyStandardWebhook, WEBHOOK_ENV } from "./support";

async function run(app: App, organizationId: string, count: number, offset = 0): Promise<string> {
  const { programId } = await createProgramFixture(app, organizationId, { phones: phones(count, undefined, offset), retryStrategy: { type: "none" } });
  const execution = await app.services.executions.launch(organizationId, programId);
  await waitFinished(app, execution.id);
  return execution.id;
}

describeEachDb("webhook delivery", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    const db = await privateDatabase(target, "webhook_delivery");
    drop = db.drop;
    app = await startTestApp({ databaseUrl: db.url, roles: "api,dispatcher", env: dispatcherEnv({ VOICECAST_SIM_CALL_MS: "20", ...WEBHOOK_ENV }) });
  });
  afterAll(async () => {
    await app?.stop();
    for (const r of receivers) await r.stop();
    await drop();
  });

  it("a receiver answering 500 three times then 200 gets every event accepted once, in order, signed per the standard", async () => {
    const hook = await receiver();
    hook.answer = (_req, n) => (n <= 3 ? 500 : 200);
    const { organizationId, apiKey } = await newOrg(app);
    const w = await app.services.webhooks.create(organizationId, { url: hook.url });
    const executionId = await run(app, organizationId, 8);
    const events = await eventsOf(app, [executionId]);
    await waitFor("every event accepted", async () => hook.accepted().length >= events.length);
    await sleep(200); // nothing more arrives

    const accepted = hook.accepted();
    expect(accepted.map((r) => r.body.id)).toEqual(events.map((e) => e.id));
    expect(byExecution(accepted).get(executionId)).toEqual(events.map((_, i) => i + 1));
    expect(hook.requests).toHaveLength(events.length + 3);
    // The first event was tried four times (same webhook-id each time), the rest once.
    expect(hook.requests.slice(0, 4).map((r) => r.id)).toEqual(Array(4).fill(events[0].id));
    for (const r of hook.requests) {
      expect(verifyStandardWebhook(w.secret, r, r.rawBody), "signature verifies").toBe(true);
      expect(verifyStandardWebhook(w.secret.replace(/.$/, (c) => (c === "A" ? "B" : "A")), r, r.rawBody)).toBe(false);
      expect(r.id).toBe(r.body.id);
      expect(Math.abs(Number(r.timestamp) - Date.now() / 1000)).toBeLessThan(60);
      expect(Object.keys(r.body)).toEqual(["id", "executionId", "position", "sequence", "type", "occurredAt", "data"]);
    }
    expect(accepted[0].body).toMatchObject({ executionId, position: 1, type: "execution.launched", data: { totalContacts: 8 } });
    expect(accepted[accepted.length - 1].body.type).toBe("execution.finished");

    // The delivery log, newest first: the first event's four attempts at the bottom.
    const api = restFor(app, apiKey);
    const log = await api.ok("GET", `/webhooks/${w.id}/deliveries?limit=100`, 200);
    expect(log.meta.total).toBe(events.length + 3);
    const first = log.data.filter((d: { eventId: string }) => d.eventId === events[0].id).reverse();
    expect(first.map((d: { attempt: number; status: string; responseStatus: number }) => [d.attempt, d.status, d.responseStatus])).toEqual([
      [1, "failed", 500],
      [2, "failed", 500],
      [3, "failed", 500],
      [4, "delivered", 200],
    ]);
    expect(first[0].error).toBe("the endpoint answered 500");
    expect(first[3].deliveredAt).not.toBeNull();
    expect(log.data.every((d: { status: string }) => d.status !== "pending")).toBe(true);
  });

  it("an event that fails after others of the same claim were delivered keeps counting its attempts", async () => {
    const hook = await receiver();
    let finishedTries = 0;
    hook.answer = (req) => (req.body.type === "execution.finished" && finishedTries++ === 0 ? 500 : 200);
    const { organizationId, apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    // Off during the run, so that turning it on hands both missed events (far apart in the log) to one claim.
    const w = await app.services.webhooks.create(organizationId, { url: hook.url, events: ["execution.launched", "execution.finished"] });
    await api.ok("PATCH", `/webhooks/${w.id}`, 200, { enabled: false });
    const executionId = await run(app, organizationId, 4);
    await api.ok("PATCH", `/webhooks/${w.id}`, 200, { enabled: true });
    await waitFor("both events accepted", async () => hook.accepted().length >= 2);
    expect(hook.accepted().map((r) => r.body.type)).toEqual(["execution.launched", "execution.finished"]);
    expect(hook.accepted()[1].body.executionId).toBe(executionId);
    const log = await api.ok("GET", `/webhooks/${w.id}/deliveries?limit=100`, 200);
    const finished = log.data.filter((d: { eventId: string }) => d.eventId === hook.accepted()[1].body.id).reverse();
    expect(finished.map((d: { attempt: number; status: string }) => [d.attempt, d.status])).toEqual([
      [1, "failed"],
      [2, "delivered"],
    ]);
  });

  it("a receiver down during the whole run gets everything once it is back", async () => {
    const hook = await receiver();
    const port = hook.port;
    await hook.stop();
    const { organizationId, apiKey } = await newOrg(app);
    const w = await app.services.webhooks.create(organizationId, { url: hook.url });
    const a = await run(app, organizationId, 6, 100);
    const b = await run(app, organizationId, 4, 200);
    const api = restFor(app, apiKey);
    // Sends of a claim are logged pending before they go out: wait for four that were tried and failed.
    const failures = async () => (await api.ok("GET", `/webhooks/${w.id}/deliveries`, 200)).data.filter((d: { status: string }) => d.status === "failed");
    await waitFor("failed attempts", async () => (await failures()).length >= 4);
    const [failed] = await failures();
    expect(failed).toMatchObject({ status: "failed", responseStatus: null });
    expect(failed.error).toMatch(/could not reach the endpoint: ECONNREFUSED/);

    await hook.start(port);
    const events = await eventsOf(app, [a, b]);
    await waitFor("every event accepted", async () => hook.accepted().length >= events.length);
    await sleep(200);
    const accepted = hook.accepted();
    expect(accepted.map((r) => r.body.id).sort()).toEqual(events.map((e) => e.id).sort());
    const order = byExecution(accepted);
    expect(order.get(a)).toEqual(events.filter((e) => e.executionId === a).map((e) => e.position));
    expect(order.get(b)).toEqual(events.filter((e) => e.executionId === b).map((e) => e.position));
    expect((await api.ok("GET", `/webhooks/${w.id}`, 200)).enabled).toBe(true);
  });

  it("a slow endpoint holds back only itself", async () => {
    const slow = await receiver();
    const fast = await receiver();
    slow.answer = async () => {
      await sleep(1500);
      return 200;
    };
    const { organizationId } = await newOrg(app);
    await app.services.webhooks.create(organizationId, { url: slow.url });
    await app.services.webhooks.create(organizationId, { url: fast.url });
    const started = Date.now();
    const executionId = await run(app, organizationId, 6, 500);
    const events = await eventsOf(app, [executionId]);
    await waitFor("the fast endpoint has everything", async () => fast.accepted().length >= events.length);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(slow.requests.length).toBeLessThan(events.length / 2); // one at a time, 1.5 s each, in order
    expect(byExecution(fast.accepted()).get(executionId)).toEqual(events.map((e) => e.position));
  });

  it("each webhook gets only the event types it asked for, of its own organization, from its creation on", async () => {
    const finished = await receiver();
    const some = await receiver();
    const off = await receiver();
    const stranger = await receiver();
    const { organizationId } = await newOrg(app);
    const before = await run(app, organizationId, 3, 300); // before any webhook
    await app.services.webhooks.create(organizationId, { url: finished.url, events: ["execution.finished"] });
    await app.services.webhooks.create(organizationId, { url: some.url, events: ["execution.launched", "contact.finalized"] });
    const disabled = await app.services.webhooks.create(organizationId, { url: off.url });
    await app.services.webhooks.update(organizationId, disabled.id, { enabled: false });
    await app.services.webhooks.create((await newOrg(app)).organizationId, { url: stranger.url });
    const x = await run(app, organizationId, 5, 400);
    const events = await eventsOf(app, [x]);
    const wanted = events.filter((e) => e.type === "execution.launched" || e.type === "contact.finalized");
    await waitFor("the filtered events", async () => finished.accepted().length >= 1 && some.accepted().length >= wanted.length);
    await sleep(300);
    expect(finished.requests.map((r) => [r.body.executionId, r.body.type])).toEqual([[x, "execution.finished"]]);
    expect(some.requests.map((r) => r.body.id)).toEqual(wanted.map((e) => e.id));
    expect(off.requests).toHaveLength(0);
    expect(stranger.requests).toHaveLength(0);
    expect([...finished.requests, ...some.requests].some((r) => r.body.executionId === before)).toBe(false);
  });
});

describeEachDb("webhook disabled after 24 h of failures", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};
  const clock = new ManualClock(new Date("2031-03-01T10:00:00Z"));
  const hook = new Receiver();

  beforeAll(async () => {
    await hook.start();
    const db = await privateDatabase(target, "webhook_clock");
    drop = db.drop;
    app = await startTestApp({ databaseUrl: db.url, roles: "api,dispatcher", clock, env: dispatcherEnv({ VOICECAST_SIM_CALL_MS: "20", ...WEBHOOK_ENV }) });
  });
  afterAll(async () => {
    await app?.stop();
    await hook.stop();
    await drop();
  });

  it("is retried with back-off, turned off with its reason at 24 h, and sends what it missed when turned on again", async () => {
    hook.answer = () => 503;
    const { organizationId, apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    const w = await app.services.webhooks.create(organizationId, { url: hook.url, events: ["execution.launched", "execution.finished"] });
    const executionId = await run(app, organizationId, 3);
    await waitFor("a first failure", async () => hook.requests.length >= 1);
    await sleep(300);
    // The clock stands still: the retry is not due yet, so nothing more is sent.
    expect(hook.requests).toHaveLength(1);

    clock.advance(23 * 3_600_000);
    await waitFor("a retry 23 h later", async () => hook.requests.length >= 2);
    await sleep(200);
    expect(hook.requests).toHaveLength(2);
    expect(await api.ok("GET", `/webhooks/${w.id}`, 200)).toMatchObject({ enabled: true, disabledReason: null });

    clock.advance(3_600_000);
    await waitFor("turned off", async () => ((await api.ok("GET", `/webhooks/${w.id}`, 200)).enabled ? null : true));
    const off = await api.ok("GET", `/webhooks/${w.id}`, 200);
    expect(off.disabledReason).toBe("Deliveries failed for 24 h with no success (since 2031-03-01T10:00:00.000Z); last error: the endpoint answered 503");
    expect(hook.requests).toHaveLength(3);
    clock.advance(3_600_000);
    await sleep(300);
    expect(hook.requests).toHaveLength(3);
    const log = await api.ok("GET", `/webhooks/${w.id}/deliveries`, 200);
    expect(log.data.map((d: { attempt: number; status: string }) => [d.attempt, d.status])).toEqual([
      [3, "failed"],
      [2, "failed"],
      [1, "failed"],
    ]);

    hook.answer = () => 204;
    const on = await api.ok("PATCH", `/webhooks/${w.id}`, 200, { enabled: true });
    expect(on).toMatchObject({ enabled: true, disabledReason: null });
    await waitFor("the missed events", async () => hook.accepted().length >= 2);
    const events = (await eventsOf(app, [executionId])).filter((e) => e.type === "execution.launched" || e.type === "execution.finished");
    expect(hook.accepted().map((r) => r.body.id)).toEqual(events.map((e) => e.id));
  });
});
