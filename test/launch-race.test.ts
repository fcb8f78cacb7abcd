import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../src/app";
import { DomainError } from "../src/shared/errors";
import { createProgramFixture, phones } from "./support/fixtures";
import { expectCountersTrue } from "./support/invariants";
import { describeServerDb, SERVER_DB_URL } from "./support/targets";
import { newOrg, startTestApp } from "./support/test-app";

// On MariaDB the race is real: 50 launches run on separate pooled connections at once.
describeServerDb("concurrent launches [mariadb]", () => {
  let app: App;
  let orgId: string;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: SERVER_DB_URL! });
    ({ organizationId: orgId } = await newOrg(app));
  });
  afterAll(() => app?.stop());

  it("50 concurrent launches of one program give exactly one execution and 49 EXECUTION_ALREADY_RUNNING", async () => {
    const f = await createProgramFixture(app, orgId, { phones: phones(200, undefined, 5000) });
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => app.services.executions.launch(orgId, f.programId)));
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(49);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(DomainError);
      expect((r.reason as DomainError).code).toBe("EXECUTION_ALREADY_RUNNING");
    }
    const rows = await app.db.read((r) => r.query<{ id: string }>("SELECT id FROM program_executions WHERE program_id = ?", [f.programId]));
    expect(rows).toHaveLength(1);
    await expectCountersTrue(app.db, rows[0].id);
    const snapshot = await app.db.read((r) => r.query<{ n: number }>("SELECT COUNT(*) AS n FROM execution_contacts WHERE execution_id = ?", [rows[0].id]));
    expect(Number(snapshot[0].n)).toBe(200);
  });

  it("concurrent launches with one idempotency key all answer the same execution", async () => {
    const f = await createProgramFixture(app, orgId, { phones: phones(20, undefined, 6000) });
    const results = await Promise.all(Array.from({ length: 20 }, () => app.services.executions.launch(orgId, f.programId, { idempotencyKey: "same-key" })));
    expect(new Set(results.map((e) => e.id)).size).toBe(1);
    const rows = await app.db.read((r) => r.query("SELECT id FROM program_executions WHERE program_id = ?", [f.programId]));
    expect(rows).toHaveLength(1);
  });
});
