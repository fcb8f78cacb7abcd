import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { expectExecutionShape, expectExecutionTrue, ISO_MS, Rest, restFixture, restFor, sleep } from "./support";

// The seed's "Monitoring progress" with the dispatcher placing (simulated) calls: every snapshot read over REST
// has the contract's shape and the counter invariant, and the finished execution's contacts and calls are listed.

describeEachDb("REST gateway: progress while the dispatcher calls", (target) => {
  let app: App;
  let api: Rest;

  beforeAll(async () => {
    app = await startTestApp({
      databaseUrl: target.url(),
      roles: "api,dispatcher",
      env: { VOICECAST_SIM_CALL_MS: "60", VOICECAST_POLL_MS: "20" },
    });
    api = restFor(app, (await newOrg(app)).apiKey);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("GET /api/program-executions/{id} while it runs, until it is finished", async () => {
    // Last digits 0–9: answered, answered on the 3rd attempt, no answer, busy, rejected, voicemail (the simulator's table).
    const fx = await restFixture(api, {
      count: 10,
      program: { retryStrategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 2, retryOnVoicemail: false }, maxConcurrentCalls: 3 },
    });
    const { executionId } = await api.ok("POST", `/programs/${fx.programId}/launch`, 201);
    let last = await api.ok("GET", `/program-executions/${executionId}`, 200);
    const deadline = Date.now() + 30_000;
    while (last.actualEndAt === null && Date.now() < deadline) {
      await sleep(25);
      const e = await api.ok("GET", `/program-executions/${executionId}`, 200);
      expectExecutionShape(e);
      expect(e.sequence).toBeGreaterThanOrEqual(last.sequence);
      last = e;
    }
    await expectExecutionTrue(app, last);
    expect(last).toMatchObject({ status: "completed", totalContacts: 10, contactsPending: 0, contactsInProgress: 0, contactsSkipped: 0 });
    expect(last.actualStartAt).toMatch(ISO_MS);
    expect(last.actualEndAt).toMatch(ISO_MS);
    // Digits 6, 7, 8 use their 3 attempts and fail; the rest complete (9 is voicemail, which this strategy does not retry).
    expect(last.contactsFailed).toBe(3);
    expect(last.contactsCompleted).toBe(7);

    // "Review failures"
    const failed = await api.ok("GET", `/program-executions/${executionId}/contacts?status=failed`, 200);
    expect(failed.data.map((c: { primaryPhone: string }) => c.primaryPhone.slice(-1)).sort()).toEqual(["6", "7", "8"]);
    for (const c of failed.data) expect(c.attempts).toBe(3);
    const busy = failed.data.find((c: { primaryPhone: string }) => c.primaryPhone.endsWith("7"));
    const calls = await api.ok("GET", `/program-executions/${executionId}/calls?contactId=${busy.contactId}`, 200);
    expect(calls.data.map((a: { attemptNumber: number; outcome: string }) => [a.attemptNumber, a.outcome])).toEqual([
      [3, "busy"],
      [2, "busy"],
      [1, "busy"],
    ]);
    const all = await api.ok("GET", `/program-executions/${executionId}/calls?limit=100`, 200);
    expect(all.meta.total).toBe(7 + 3 * 3 + 2); // one each for 0–4 and 9, three for 5, three each for 6–8
  });
});
