import { afterAll, beforeAll, expect, it } from "vitest";
import { App, createApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { Dispatcher } from "../../src/modules/dispatcher/dispatcher";
import { SimulatorProvider } from "../../src/modules/telephony/simulator.provider";
import { systemClock } from "../../src/shared/clock";
import { createLogger } from "../../src/shared/logger";
import { createProgramFixture, phones } from "../support/fixtures";
import { expectCountersTrue } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg } from "../support/test-app";
import { attemptsOf, privateDatabase, waitFinished } from "./support";

describeEachDb("dispatcher: fair across executions", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateDatabase(target, "fairness");
    drop = db.drop;
    app = await createApp(loadConfig({ DATABASE_URL: db.url, VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "silent" }));
  });
  afterAll(async () => {
    await app?.stop();
    await drop();
  });

  it("a dispatcher with room for three calls serves three executions side by side, not one after another", async () => {
    const { organizationId } = await newOrg(app);
    const executions = [];
    for (let i = 0; i < 3; i++) {
      const { programId } = await createProgramFixture(app, organizationId, { phones: phones(12, 0, i * 100), maxConcurrentCalls: 12 });
      executions.push(await app.services.executions.launch(organizationId, programId));
    }
    const dispatcher = new Dispatcher({
      db: app.db,
      clock: systemClock,
      provider: new SimulatorProvider({ callMs: 60, clock: systemClock }),
      events: app.bus,
      logger: createLogger("silent"),
      pollMs: 20,
      leaseMs: 30_000,
      drainMs: 5000,
      maxInFlight: 3,
    });
    dispatcher.start();
    try {
      for (const e of executions) expect((await waitFinished(app, e.id)).status).toBe("completed");
    } finally {
      await dispatcher.stop();
    }
    const starts = (await Promise.all(executions.map(async (e, i) => (await attemptsOf(app, e.id)).map((a) => ({ i, at: a.startedAt }))))).flat().sort((a, b) => a.at - b.at);
    expect(starts.length).toBe(36);
    // Every execution is served within the first two rounds, and each third of the run serves all three.
    expect(new Set(starts.slice(0, 6).map((s) => s.i)).size).toBe(3);
    for (let k = 0; k < 3; k++) expect(new Set(starts.slice(k * 12, k * 12 + 12).map((s) => s.i)).size, `third ${k + 1}`).toBe(3);
    for (const e of executions) await expectCountersTrue(app.db, e.id);
  });
});
