import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { App, createApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { dispatcherEnv, killAllDispatchers, privateServerDatabase, readExec, spawnDispatcher, waitFinished } from "../dispatcher/support";
import { createProgramFixture, phones } from "../support/fixtures";
import { expectCountersTrue, expectSumInvariant } from "../support/invariants";
import { describeServerDb } from "../support/targets";
import { newOrg } from "../support/test-app";

// The organization-wide cap holds across executions and dispatcher processes: claims lock the organization's row
// first and count the calls in progress of all its executions under that lock.
describeServerDb("organization-wide cap (MariaDB, two dispatchers, two executions)", () => {
  let app: App;
  let url = "";
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateServerDatabase("org_cap");
    url = db.url;
    drop = db.drop;
    app = await createApp(loadConfig({ DATABASE_URL: url, VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "silent" }));
  });
  afterEach(() => killAllDispatchers());
  afterAll(async () => {
    await killAllDispatchers();
    await app?.stop();
    await drop();
  });

  it("never more than the organization's cap in progress at once, in every sample, though each execution allows more", async () => {
    const { organizationId } = await newOrg(app);
    await app.services.organizations.updateOrganization(organizationId, { maxConcurrentCalls: 4 });
    const a = await createProgramFixture(app, organizationId, { phones: phones(120, undefined, 9000), maxConcurrentCalls: 10 });
    const b = await createProgramFixture(app, organizationId, { phones: phones(120, undefined, 9200), maxConcurrentCalls: 10 });
    // Another organization's calls do not count against this one's cap.
    const other = await newOrg(app);
    const c = await createProgramFixture(app, other.organizationId, { phones: phones(60, undefined, 9400), maxConcurrentCalls: 10 });

    const env = dispatcherEnv({ VOICECAST_SIM_CALL_MS: "60" });
    const [d1, d2] = [spawnDispatcher(url, env), spawnDispatcher(url, env)];
    await Promise.all([d1.ready, d2.ready]);
    const [ea, eb, ec] = [
      await app.services.executions.launch(organizationId, a.programId),
      await app.services.executions.launch(organizationId, b.programId),
      await app.services.executions.launch(other.organizationId, c.programId),
    ];

    let most = 0;
    let mostOther = 0;
    let samples = 0;
    for (;;) {
      const [x, y, z] = await Promise.all([readExec(app, ea.id), readExec(app, eb.id), readExec(app, ec.id)]);
      for (const e of [x, y, z]) expectSumInvariant(e);
      most = Math.max(most, x.contactsInProgress + y.contactsInProgress);
      mostOther = Math.max(mostOther, z.contactsInProgress);
      samples++;
      if (x.actualEndAt && y.actualEndAt && z.actualEndAt) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(samples).toBeGreaterThan(20);
    expect(most).toBeLessThanOrEqual(4);
    expect(most).toBeGreaterThanOrEqual(3); // the cap is used, not just respected
    expect(mostOther).toBeGreaterThan(4); // the other organization has no cap
    for (const e of [ea, eb, ec]) {
      expect(await waitFinished(app, e.id)).toMatchObject({ status: "completed" });
      await expectCountersTrue(app.db, e.id);
    }
  }, 120_000);
});
