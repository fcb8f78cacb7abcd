import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { dispatcherEnv, killAllDispatchers, privateServerDatabase, sleep, spawnDispatcher, waitFinished, waitFor } from "../dispatcher/support";
import { createProgramFixture, phones } from "../support/fixtures";
import { describeServerDb, SERVER_REDIS_URL } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { byExecution, eventsOf, Receiver, verifyStandardWebhook, WEBHOOK_ENV } from "./support";

// Two real service processes (node dist/src/main.js) and this test's own app deliver the same webhooks from one
// database: claims must keep every event to one sender at a time, in order, accepted once.
describeServerDb("webhook delivery from several processes [mariadb]", () => {
  let app: App;
  let db: { url: string; drop: () => Promise<void> };
  const hooks = [new Receiver(), new Receiver()];
  const env = dispatcherEnv({ VOICECAST_SIM_CALL_MS: "20", ...WEBHOOK_ENV, ...(SERVER_REDIS_URL ? { REDIS_URL: SERVER_REDIS_URL } : {}) });

  beforeAll(async () => {
    db = await privateServerDatabase("webhook_processes");
    app = await startTestApp({ databaseUrl: db.url, roles: "api", env });
    for (const h of hooks) await h.start();
  });
  afterEach(() => killAllDispatchers());
  afterAll(async () => {
    await app?.stop();
    for (const h of hooks) await h.stop();
    await db?.drop();
  });

  it("never sends one event to one endpoint twice at once, and each endpoint accepts every event once, in order", async () => {
    // Requests for one event id that overlap in time at one receiver (must stay 0).
    const open = new Map<string, number>();
    let overlaps = 0;
    for (const h of hooks) {
      h.answer = async (req) => {
        const key = `${h.port}/${req.id}`;
        open.set(key, (open.get(key) ?? 0) + 1);
        if (open.get(key)! > 1) overlaps++;
        await sleep(5 + Math.random() * 25);
        open.set(key, open.get(key)! - 1);
        return Math.random() < 0.25 ? 500 : 200;
      };
    }
    const processes = [spawnDispatcher(db.url, env), spawnDispatcher(db.url, env)];
    await Promise.all(processes.map((p) => p.ready));
    const { organizationId } = await newOrg(app);
    const webhooks: Array<{ secret: string }> = [];
    for (const h of hooks) webhooks.push(await app.services.webhooks.create(organizationId, { url: h.url }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { programId } = await createProgramFixture(app, organizationId, { phones: phones(15, undefined, 1000 + i * 100), retryStrategy: { type: "none" } });
      ids.push((await app.services.executions.launch(organizationId, programId)).id);
    }
    for (const id of ids) await waitFinished(app, id, 60_000);
    const events = await eventsOf(app, ids);
    await waitFor("every event accepted by both", async () => hooks.every((h) => h.accepted().length >= events.length), 60_000);
    await sleep(300);

    expect(overlaps).toBe(0);
    hooks.forEach((h, i) => {
      const accepted = h.accepted();
      expect(accepted.map((r) => r.body.id).sort()).toEqual(events.map((e) => e.id).sort());
      const order = byExecution(accepted);
      for (const id of ids) expect(order.get(id)).toEqual(events.filter((e) => e.executionId === id).map((e) => e.position));
      for (const r of h.requests) expect(verifyStandardWebhook(webhooks[i].secret, r, r.rawBody)).toBe(true);
      expect(h.requests.length).toBeGreaterThan(accepted.length); // some were refused and retried
    });
    for (const p of processes) expect(p.output()).not.toMatch(/"level":50/);
  });
});
