import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { ProgramExecution } from "../../src/modules/execution/execution.entity";
import { createProgramFixture } from "../support/fixtures";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";

// The execution read behind GET /api/program-executions/{id} maps rows by hand (execution.row.ts, for speed):
// it must give exactly what TypeORM's entity mapping gives, every column included.

describeEachDb("execution read: the plain-SQL mapping equals TypeORM's", (target) => {
  let app: App;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("for a scheduled execution with a stop time, an idempotency key and a retry strategy", async () => {
    const { organizationId } = await newOrg(app);
    const fx = await createProgramFixture(app, organizationId, {
      retryStrategy: { type: "scheduled", retryDates: [new Date(Date.now() + 3_600_000).toISOString()], retryOnVoicemail: false },
      maxConcurrentCalls: 7,
    });
    const launched = await app.services.executions.launch(organizationId, fx.programId, {
      idempotencyKey: "read-check",
      startAt: new Date(Date.now() + 60_000),
      stopAt: new Date(Date.now() + 7_200_000),
    });
    const viaTypeorm = await app.db.read((r) => r.manager.findOneBy(ProgramExecution, { id: launched.id }));
    const viaSql = await app.services.executions.get(organizationId, launched.id);
    expect(viaSql).toBeInstanceOf(ProgramExecution);
    expect(viaSql).toStrictEqual(viaTypeorm);
    expect(viaSql).toMatchObject({ idempotencyKey: "read-check", activeProgramId: fx.programId, maxConcurrentCalls: 7, status: "scheduled" });

    // Finished: the nullable columns change sides.
    await app.services.executions.cancel(organizationId, launched.id);
    const cancelled = await app.services.executions.get(organizationId, launched.id);
    expect(cancelled).toStrictEqual(await app.db.read((r) => r.manager.findOneBy(ProgramExecution, { id: launched.id })));
    expect(cancelled!.activeProgramId).toBeNull();
    expect(cancelled!.actualEndAt).toBeInstanceOf(Date);
    // Another organization's id reads as nothing.
    expect(await app.services.executions.get((await newOrg(app)).organizationId, launched.id)).toBeNull();
  });
});
