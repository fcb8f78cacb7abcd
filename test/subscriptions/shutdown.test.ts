import { expect, it } from "vitest";
import { ExecutionProgressDocument, ExecutionsChangedDocument, LaunchProgramDocument } from "../generated/graphql";
import { createProgramFixture } from "../support/fixtures";
import { gqlOk } from "../support/graphql-client";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { busEnv, closeCode, record, testDb, waitUntil, wsClient } from "./support";

describeEachDb("shutdown with subscribers connected", (target) => {
  it("stop() closes every WebSocket with 1001 (going away), releases the feeds, and resolves", async () => {
    const db = await testDb(target);
    const app = await startTestApp({ databaseUrl: db.url, env: busEnv() });
    try {
      const org = await newOrg(app);
      const f = await createProgramFixture(app, org.organizationId);
      const e = (await gqlOk(`http://127.0.0.1:${app.port}`, org.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
      const client = wsClient(app.port!, org.apiKey);
      const progress = record(client, ExecutionProgressDocument, { executionId: e.id });
      const changes = record(client, ExecutionsChangedDocument, {});
      await progress.until((r) => r.events.length === 1, "the first event");
      await waitUntil(() => app.live!.followed.organizations.length === 1, "the organization feed");

      await app.stop();
      for (const r of [progress, changes]) {
        await r.ended();
        expect(r.outcome).toBe("error");
        expect(closeCode(r.failure)).toBe(1001);
      }
      expect(app.live!.followed).toEqual({ executions: [], organizations: [] });
      await app.stop(); // a second stop is the same one
      await client.dispose();
    } finally {
      await app.stop();
      await db.drop();
    }
  });
});
