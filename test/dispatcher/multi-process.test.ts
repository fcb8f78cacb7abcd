import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { App, createApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { createProgramFixture, phones } from "../support/fixtures";
import { expectCountersTrue } from "../support/invariants";
import { describeServerDb } from "../support/targets";
import { newOrg } from "../support/test-app";
import {
  attemptsOf,
  contactsOf,
  dispatcherEnv,
  expectAttemptsWellFormed,
  killAllDispatchers,
  privateServerDatabase,
  readExec,
  spawnDispatcher,
  startSampler,
  waitFinished,
  waitFor,
} from "./support";

// Real processes (node dist/src/main.js, dispatcher role only) sharing one MariaDB. This process only launches
// and watches: its app starts no role.
describeServerDb("dispatcher processes on one MariaDB", () => {
  let app: App;
  let url = "";
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateServerDatabase("multiproc");
    url = db.url;
    drop = db.drop;
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

  it("two dispatchers, 2,000 contacts: no overlapping or repeated attempts, caps hold, counters equal the recount", async () => {
    const { organizationId } = await newOrg(app);
    const cap = 100;
    const { programId } = await createProgramFixture(app, organizationId, {
      phones: phones(2000),
      retryStrategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 2 },
      maxConcurrentCalls: cap,
    });
    const env = dispatcherEnv({ VOICECAST_SIM_CALL_MS: "40" });
    const a = spawnDispatcher(url, env);
    const b = spawnDispatcher(url, env);
    // Both running before the launch, so both take part from the first claim.
    await Promise.all([a.ready, b.ready]);
    const execution = await app.services.executions.launch(organizationId, programId);
    const sampler = startSampler(() => readExec(app, execution.id));
    // Which dispatchers hold calls, seen from outside while it runs.
    const owners = new Set<string>();
    let watching = true;
    const ownerWatch = (async () => {
      while (watching) {
        const rows = await app.db.read((r) => r.query<{ claimed_by: string }>("SELECT DISTINCT claimed_by FROM execution_contacts WHERE execution_id = ? AND status = 'inProgress'", [execution.id]));
        for (const row of rows) owners.add(row.claimed_by);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const done = await waitFinished(app, execution.id, 50_000).catch((err) => {
      throw new Error(`${err}\n--- dispatcher A ---\n${a.output()}\n--- dispatcher B ---\n${b.output()}`);
    });
    watching = false;
    await ownerWatch;
    const samples = await sampler.stop();

    expect(done.status).toBe("completed");
    // Digits 0-5 end completed (5 on its third attempt), 6-9 fail after three.
    expect({ completed: done.contactsCompleted, failed: done.contactsFailed, skipped: done.contactsSkipped }).toEqual({ completed: 1200, failed: 800, skipped: 0 });
    await expectCountersTrue(app.db, execution.id);
    const attempts = await attemptsOf(app, execution.id);
    const contacts = await contactsOf(app, execution.id);
    expect(attempts.length).toBe(1000 * 1 + 1000 * 3);
    expectAttemptsWellFormed(attempts, contacts);
    expect(attempts.filter((a) => a.failureReason !== null)).toEqual([]);
    expect(owners.size, "both dispatchers placed calls").toBe(2);
    for (const s of samples) expect(s.contactsInProgress).toBeLessThanOrEqual(cap);
    expect(samples.length).toBeGreaterThan(10);

    // SIGTERM: both drain and exit 0.
    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
  });

  it("SIGKILL mid-run: another dispatcher reclaims the lost calls after their lease, as failed attempts through the retry strategy", async () => {
    const { organizationId } = await newOrg(app);
    const { programId } = await createProgramFixture(app, organizationId, {
      phones: phones(300, undefined, 5000),
      retryStrategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 2 },
      maxConcurrentCalls: 60,
    });
    const execution = await app.services.executions.launch(organizationId, programId);
    const env = dispatcherEnv({ VOICECAST_SIM_CALL_MS: "400", VOICECAST_LEASE_MS: "1000" });
    const sampler = startSampler(() => readExec(app, execution.id));

    const first = spawnDispatcher(url, env);
    await waitFor("calls to be under way", async () => {
      const e = await readExec(app, execution.id);
      return e.contactsCompleted + e.contactsFailed >= 60 && e.contactsInProgress > 0;
    }, 30_000);
    first.child.kill("SIGKILL");
    await first.exited;
    const lost = (await contactsOf(app, execution.id)).filter((c) => c.status === "inProgress");
    expect(lost.length).toBeGreaterThan(0);

    const second = spawnDispatcher(url, env);
    const done = await waitFinished(app, execution.id, 50_000).catch((err) => {
      throw new Error(`${err}\n--- second dispatcher ---\n${second.output()}`);
    });
    await sampler.stop();

    expect(done.status).toBe("completed");
    await expectCountersTrue(app.db, execution.id);
    const contacts = await contactsOf(app, execution.id);
    const attempts = await attemptsOf(app, execution.id);
    expectAttemptsWellFormed(attempts, contacts);
    // Every contact ends in exactly one terminal status (one snapshot row each, none left pending or in progress).
    expect(contacts.length).toBe(300);
    expect(new Set(contacts.map((c) => c.contactId)).size).toBe(300);
    for (const c of contacts) expect(["completed", "failed"]).toContain(c.status);
    expect(done.contactsCompleted + done.contactsFailed).toBe(300);

    for (const c of lost) {
      const mine = attempts.filter((a) => a.contactId === c.contactId);
      const lostAttempt = mine.find((a) => a.attemptNumber === c.attempts)!;
      expect(lostAttempt).toMatchObject({ outcome: "failed", failureReason: "lease_expired", flowOutcome: null });
      expect(lostAttempt.endedAt).toBeGreaterThan(lostAttempt.startedAt);
      const digit = Number(c.phone.slice(-1));
      // The lost attempt counts: a person's number gets the next attempt (if any is left), answered.
      if (digit <= 4) {
        if (c.attempts < 3) {
          expect(mine.map((a) => a.outcome)).toEqual([...mine.slice(0, c.attempts).map((a) => a.outcome), "completed"]);
          expect(contacts.find((x) => x.contactId === c.contactId)!.status).toBe("completed");
        } else {
          expect(contacts.find((x) => x.contactId === c.contactId)!.status).toBe("failed");
        }
      }
    }
    const reclaimed = attempts.filter((a) => a.failureReason === "lease_expired");
    expect(reclaimed.length).toBe(lost.length);
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  });
});
