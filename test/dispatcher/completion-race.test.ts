import { afterAll, beforeAll, expect, it } from "vitest";
import { App, createApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { Db, Tx } from "../../src/db/db";
import { Dispatcher } from "../../src/modules/dispatcher/dispatcher";
import { SimulatorProvider } from "../../src/modules/telephony/simulator.provider";
import { systemClock } from "../../src/shared/clock";
import { createLogger } from "../../src/shared/logger";
import { createProgramFixture, phones } from "../support/fixtures";
import { expectCountersTrue } from "../support/invariants";
import { describeServerDb } from "../support/targets";
import { newOrg } from "../support/test-app";
import { attemptsOf, contactsOf, privateServerDatabase, readExec, waitFinished } from "./support";

/** A Db whose transactions stop right after one statement matching `at`, until the test lets them go on. */
class PausingDb extends Db {
  at: RegExp | null = null;
  reached: () => void = () => {};
  release: Promise<void> = Promise.resolve();

  override transaction<T>(fn: (tx: Tx) => Promise<T>, attempts?: number): Promise<T> {
    return super.transaction(
      (tx) =>
        fn({
          ...tx,
          execute: async (sql, params) => {
            const n = await tx.execute(sql, params);
            if (this.at?.test(sql)) {
              this.at = null;
              this.reached();
              await this.release;
            }
            return n;
          },
        }),
      attempts,
    );
  }
}

// A completion locks the execution row first, as every writer does (execution row, then contacts, then attempts).
// A cancel that comes while a completion is writing therefore waits for it, and then skips the retries the
// completion wrote: no contact can slip back to pending behind a cancel.
describeServerDb("dispatcher: a cancel that comes in the middle of a completion", () => {
  let app: App;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateServerDatabase("race");
    drop = db.drop;
    app = await createApp(loadConfig({ DATABASE_URL: db.url, VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "silent" }));
  });
  afterAll(async () => {
    await app?.stop();
    await drop();
  });

  it("waits for the completion (execution row locked first), then skips the retries it wrote", async () => {
    const { organizationId } = await newOrg(app);
    const { programId } = await createProgramFixture(app, organizationId, {
      phones: phones(3, 6),
      retryStrategy: { type: "fixed_delay", delayMinutes: 10, maxRetries: 2 },
      maxConcurrentCalls: 3,
    });
    const execution = await app.services.executions.launch(organizationId, programId);

    const db = new PausingDb(app.db.dataSource);
    let letGo!: () => void;
    db.release = new Promise((r) => (letGo = r));
    const reached = new Promise<void>((r) => (db.reached = r));
    db.at = /^UPDATE call_attempts t JOIN/; // the completion writing the attempts, with the execution row locked
    const dispatcher = new Dispatcher({
      db,
      clock: systemClock,
      provider: new SimulatorProvider({ callMs: 50, clock: systemClock }),
      events: app.bus,
      logger: createLogger("silent"),
      pollMs: 20,
      leaseMs: 30_000,
      drainMs: 5000,
    });
    dispatcher.start();
    try {
      await reached;
      let cancelled: Awaited<ReturnType<typeof app.services.executions.cancel>> | null = null;
      const cancel = app.services.executions.cancel(organizationId, execution.id).then((e) => (cancelled = e));
      await new Promise((r) => setTimeout(r, 500));
      expect(cancelled, "the cancel waits for the completion's lock on the execution row").toBeNull();
      letGo();
      await cancel;
      // The completion committed first (its retries due in 10 minutes), then the cancel skipped them: none is left
      // pending; calls whose results were not in that batch are still in progress.
      expect(cancelled).toMatchObject({ status: "cancelled", contactsPending: 0 });
      expect(cancelled!.contactsSkipped).toBeGreaterThanOrEqual(1);
      expect(cancelled!.contactsSkipped + cancelled!.contactsInProgress).toBe(3);
      const done = await waitFinished(app, execution.id, 10_000);
      expect(done).toMatchObject({ status: "cancelled", contactsSkipped: 3, contactsPending: 0, contactsInProgress: 0, contactsFailed: 0 });
      for (const c of await contactsOf(app, execution.id)) expect(c).toMatchObject({ status: "skipped", attempts: 1, lastOutcome: "noAnswer", nextAttemptAt: null });
      expect((await attemptsOf(app, execution.id)).map((a) => a.outcome)).toEqual(["noAnswer", "noAnswer", "noAnswer"]);
      await expectCountersTrue(app.db, execution.id);
      expect((await readExec(app, execution.id)).actualEndAt).not.toBeNull();
    } finally {
      letGo();
      await dispatcher.stop();
    }
  });
});
