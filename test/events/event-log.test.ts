import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { dispatcherEnv, privateDatabase, readExec, waitFinished, waitFor } from "../dispatcher/support";
import { createProgramFixture, phones } from "../support/fixtures";
import { expectCountersTrue } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";

interface LogEntry {
  position: number;
  sequence: number;
  type: string;
  data: Record<string, unknown>;
}

async function logOf(app: App, executionId: string): Promise<LogEntry[]> {
  const rows = await app.db.read((r) =>
    r.query<Record<string, unknown>>("SELECT position, sequence, type, data FROM execution_events WHERE execution_id = ? ORDER BY position", [executionId]),
  );
  return rows.map((r) => ({ position: Number(r.position), sequence: Number(r.sequence), type: String(r.type), data: JSON.parse(String(r.data)) }));
}

const FINAL = ["completed", "failed", "skipped"] as const;

/** The final counters of an execution from its log alone. */
function rebuild(log: LogEntry[]): Record<string, number> {
  const c: Record<string, number> = { totalContacts: 0, completed: 0, failed: 0, skipped: 0 };
  for (const e of log) {
    if (e.type === "execution.launched") {
      c.totalContacts = Number(e.data.totalContacts);
      c.skipped += Number(e.data.skipped ?? 0); // on the do-not-call list at launch
    }
    if (e.type === "execution.status_changed") c.skipped += Number(e.data.skipped ?? 0);
    if (e.type === "contact.finalized") {
      const previous = e.data.previousStatus as string | undefined;
      if (previous && (FINAL as readonly string[]).includes(previous)) c[previous]--;
      c[String(e.data.status)]++;
    }
  }
  return c;
}

describeEachDb("the execution's event log", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateDatabase(target, "event_log");
    drop = db.drop;
    app = await startTestApp({ databaseUrl: db.url, roles: "api,dispatcher", env: dispatcherEnv({ VOICECAST_SIM_CALL_MS: "30" }) });
  });
  afterAll(async () => {
    await app?.stop();
    await drop();
  });

  it("is complete and ordered with no gaps across pause, resume and cancel, and the counters rebuilt from it equal the row", async () => {
    const { organizationId } = await newOrg(app);
    const { programId } = await createProgramFixture(app, organizationId, {
      phones: phones(40),
      retryStrategy: { type: "fixed_delay", delayMinutes: 0.003, maxRetries: 2 },
      maxConcurrentCalls: 4,
    });
    const s = app.services.executions;
    const execution = await s.launch(organizationId, programId);
    await waitFor("some calls", async () => ((await readExec(app, execution.id)).contactsCompleted >= 5 ? true : null));
    await s.pause(organizationId, execution.id);
    await new Promise((r) => setTimeout(r, 150));
    await s.resume(organizationId, execution.id);
    await waitFor("more calls", async () => ((await readExec(app, execution.id)).contactsCompleted >= 15 ? true : null));
    await s.cancel(organizationId, execution.id);
    const done = await waitFinished(app, execution.id);
    const log = await logOf(app, execution.id);

    expect(log.map((e) => e.position)).toEqual(log.map((_, i) => i + 1));
    for (let i = 1; i < log.length; i++) expect(log[i].sequence).toBeGreaterThanOrEqual(log[i - 1].sequence);
    expect(log[0]).toMatchObject({ type: "execution.launched", data: { totalContacts: 40 } });
    expect(log.filter((e) => e.type === "execution.status_changed").map((e) => [e.data.from, e.data.to, e.data.effectiveStatus])).toEqual([
      ["running", "paused", "paused_manual"],
      ["paused", "running", "running"],
      ["running", "cancelled", "cancelled"],
    ]);
    const finished = log[log.length - 1];
    expect(finished).toMatchObject({ type: "execution.finished", sequence: done.sequence });
    expect(finished.data).toMatchObject({ status: "cancelled", contactsCompleted: done.contactsCompleted, contactsSkipped: done.contactsSkipped });

    // Every attempt in the database has its attempt.finished entry.
    const attempts = await app.db.read((r) => r.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM call_attempts WHERE execution_id = ?", [execution.id]));
    expect(log.filter((e) => e.type === "attempt.finished")).toHaveLength(Number(attempts[0].n));

    const rebuilt = rebuild(log);
    expect(rebuilt).toEqual({ totalContacts: done.totalContacts, completed: done.contactsCompleted, failed: done.contactsFailed, skipped: done.contactsSkipped });
    expect(done.contactsPending + done.contactsInProgress).toBe(0);
    await expectCountersTrue(app.db, execution.id);
    const skipped = await app.db.read((r) => r.query<{ skip_reason: string; n: number | string }>("SELECT skip_reason, COUNT(*) AS n FROM execution_contacts WHERE execution_id = ? AND status = 'skipped' GROUP BY skip_reason", [execution.id]));
    expect(skipped.map((r) => r.skip_reason)).toEqual(["cancelled"]);
  });

  it("a run to completion ends with status_changed running → completed and execution.finished", async () => {
    const { organizationId } = await newOrg(app);
    const { programId } = await createProgramFixture(app, organizationId, { phones: phones(10, undefined, 500), retryStrategy: { type: "none" } });
    const execution = await app.services.executions.launch(organizationId, programId);
    const done = await waitFinished(app, execution.id);
    const log = await logOf(app, execution.id);
    expect(log.slice(-2).map((e) => e.type)).toEqual(["execution.status_changed", "execution.finished"]);
    expect(log[log.length - 2].data).toMatchObject({ from: "running", to: "completed", effectiveStatus: "completed" });
    expect(rebuild(log)).toEqual({ totalContacts: 10, completed: done.contactsCompleted, failed: done.contactsFailed, skipped: 0 });
    expect(log.filter((e) => e.type === "contact.finalized")).toHaveLength(10);
  });
});
