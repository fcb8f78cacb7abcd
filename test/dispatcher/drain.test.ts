import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { App, createApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import type { RetryStrategy } from "../../src/modules/program/retry-strategy.types";
import { createProgramFixture, phones } from "../support/fixtures";
import { expectCountersTrue } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { attemptsOf, contactsOf, dispatcherEnv, expectAttemptsWellFormed, killAllDispatchers, privateDatabase, readExec, spawnDispatcher, waitFinished, waitFor } from "./support";

// SIGTERM on a dispatcher process (node dist/src/main.js, as process managers run it: npm start does not forward signals).
describeEachDb("dispatcher: SIGTERM drains", (target) => {
  let app: App;
  let url = "";
  let drop: () => Promise<void> = async () => {};
  let offset = 0;

  beforeAll(async () => {
    const db = await privateDatabase(target, "drain");
    url = db.url;
    drop = db.drop;
    // Launches and reads only: no role started in this process.
    app = await createApp(loadConfig({ DATABASE_URL: url, VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "silent" }));
  });
  afterEach(async () => {
    await killAllDispatchers();
  });
  afterAll(async () => {
    await killAllDispatchers();
    await app?.stop();
    await drop();
  });

  async function launch(retryStrategy: RetryStrategy = { type: "none" }) {
    const { organizationId } = await newOrg(app);
    const { programId } = await createProgramFixture(app, organizationId, { phones: phones(6, 0, (offset += 100)), retryStrategy, maxConcurrentCalls: 3 });
    return { organizationId, execution: await app.services.executions.launch(organizationId, programId) };
  }

  it("stops claiming, lets calls in progress finish and records them, then exits 0", async () => {
    const { organizationId, execution } = await launch();
    const child = spawnDispatcher(url, dispatcherEnv({ VOICECAST_SIM_CALL_MS: "1500", VOICECAST_DRAIN_MS: "20000" }));
    await waitFor("three calls in progress", async () => (await readExec(app, execution.id)).contactsInProgress === 3, 20_000);
    const signalledAt = Date.now();
    child.child.kill("SIGTERM");
    const exit = await child.exited;
    expect(exit, child.output()).toEqual({ code: 0, signal: null });

    const after = await readExec(app, execution.id);
    expect(after).toMatchObject({ status: "running", contactsInProgress: 0, contactsCompleted: 3, contactsPending: 3 });
    const attempts = await attemptsOf(app, execution.id);
    expect(attempts.length, "no new claim after SIGTERM").toBe(3);
    for (const a of attempts) {
      expect(a).toMatchObject({ outcome: "completed", failureReason: null });
      expect(a.startedAt).toBeLessThanOrEqual(signalledAt);
      expect(a.endedAt! - a.startedAt).toBeGreaterThanOrEqual(1500);
    }
    await expectCountersTrue(app.db, execution.id);
    await app.services.executions.cancel(organizationId, execution.id);
  });

  it("aborts calls still running after VOICECAST_DRAIN_MS and leaves them to their lease; the next dispatcher reclaims them", async () => {
    const { execution } = await launch({ type: "fixed_delay", delayMinutes: 0.001, maxRetries: 1 });
    const child = spawnDispatcher(url, dispatcherEnv({ VOICECAST_SIM_CALL_MS: "10000", VOICECAST_DRAIN_MS: "200", VOICECAST_LEASE_MS: "1000" }));
    await waitFor("three calls in progress", async () => (await readExec(app, execution.id)).contactsInProgress === 3, 20_000);
    const signalledAt = Date.now();
    child.child.kill("SIGTERM");
    const exit = await child.exited;
    expect(exit, child.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt, "did not wait for the 10 s calls").toBeLessThan(8000);

    // Left as they were: in progress, attempts open, until the lease runs out.
    expect(await readExec(app, execution.id)).toMatchObject({ contactsInProgress: 3, contactsPending: 3 });
    expect((await attemptsOf(app, execution.id)).filter((a) => a.outcome === null).length).toBe(3);

    const next = await startTestApp({ databaseUrl: url, roles: "dispatcher", env: dispatcherEnv({ VOICECAST_SIM_CALL_MS: "30", VOICECAST_LEASE_MS: "1000" }) });
    try {
      const done = await waitFinished(next, execution.id);
      expect(done).toMatchObject({ status: "completed", contactsCompleted: 6 });
      const attempts = await attemptsOf(app, execution.id);
      const lost = attempts.filter((a) => a.failureReason === "lease_expired");
      expect(lost.length).toBe(3);
      for (const a of lost) {
        expect(a).toMatchObject({ attemptNumber: 1, outcome: "failed" });
        // The retry strategy applied: the second attempt answered.
        expect(attempts.find((b) => b.contactId === a.contactId && b.attemptNumber === 2)?.outcome).toBe("completed");
      }
      expectAttemptsWellFormed(attempts, await contactsOf(app, execution.id));
      await expectCountersTrue(app.db, execution.id);
    } finally {
      await next.stop();
    }
  });
});
