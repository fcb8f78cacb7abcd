import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../src/app";
import {
  AddContactsToAudienceDocument,
  CancelExecutionDocument,
  GetExecutionDocument,
  GetProgramDocument,
  LaunchProgramDocument,
  ListExecutionContactsDocument,
  PauseExecutionDocument,
  RemoveContactsFromAudienceDocument,
  ResumeExecutionDocument,
  UpdateFlowDocument,
  UpdateProgramDocument,
  UpsertContactsDocument,
} from "./generated/graphql";
import { createProgramFixture, phones, SIMPLE_FLOW } from "./support/fixtures";
import { gql, gqlOk } from "./support/graphql-client";
import { expectCountersTrue, expectSumInvariant } from "./support/invariants";
import { describeEachDb } from "./support/targets";
import { changeStatus, finishIfDone } from "../src/modules/execution/execution.store";
import { newOrg, startTestApp } from "./support/test-app";

describeEachDb("execution lifecycle", (target) => {
  let app: App;
  let url: string;
  let key: string;
  let orgId: string;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
    url = `http://127.0.0.1:${app.port}`;
    ({ apiKey: key, organizationId: orgId } = await newOrg(app));
  });
  afterAll(() => app?.stop());

  const call = <R, V>(doc: Parameters<typeof gqlOk<R, V>>[2], vars: V) => gqlOk(url, key, doc, vars);
  const codeOf = async <R, V>(doc: Parameters<typeof gql<R, V>>[2], vars: V) => (await gql(url, key, doc, vars)).errors?.[0]?.extensions?.code;

  it("launch runs at once, snapshots the audience, and marks the program active", async () => {
    const f = await createProgramFixture(app, orgId, { phones: phones(7) });
    expect((await call(GetProgramDocument, { id: f.programId })).program?.status).toBe("DRAFT");
    const { launchProgram: e } = await call(LaunchProgramDocument, { programId: f.programId });
    expect(e.status).toBe("RUNNING");
    expect(e).toMatchObject({ totalContacts: 7, contactsPending: 7, contactsCompleted: 0, contactsFailed: 0, contactsInProgress: 0, contactsSkipped: 0 });
    expect(e.programId).toBe(f.programId);
    expect(e.organizationId).toBe(orgId);
    expect(e.flowVersion).toBe(1);
    expect(e.actualStartAt).toBeNull();
    expect(e.actualEndAt).toBeNull();
    expect(e.scheduledStartAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expectSumInvariant(e);
    await expectCountersTrue(app.db, e.id);
    expect((await call(GetProgramDocument, { id: f.programId })).program?.status).toBe("ACTIVE");
  });

  it("walks running → paused → running → cancelled, answering repeats with no change and refusing illegal moves", async () => {
    const f = await createProgramFixture(app, orgId, { phones: phones(5) });
    const launched = (await call(LaunchProgramDocument, { programId: f.programId })).launchProgram;
    let seq = launched.sequence;

    // Resume of a running execution is a repeat: no change.
    const resumedRunning = (await call(ResumeExecutionDocument, { id: launched.id })).resumeExecution;
    expect(resumedRunning.status).toBe("RUNNING");
    expect(resumedRunning.sequence).toBe(seq);

    const paused = (await call(PauseExecutionDocument, { id: launched.id })).pauseExecution;
    expect(paused.status).toBe("PAUSED");
    expect(paused.sequence).toBeGreaterThan(seq);
    seq = paused.sequence;
    await expectCountersTrue(app.db, launched.id);

    const pausedAgain = (await call(PauseExecutionDocument, { id: launched.id })).pauseExecution;
    expect(pausedAgain.status).toBe("PAUSED");
    expect(pausedAgain.sequence).toBe(seq);

    const resumed = (await call(ResumeExecutionDocument, { id: launched.id })).resumeExecution;
    expect(resumed.status).toBe("RUNNING");
    expect(resumed.sequence).toBeGreaterThan(seq);
    await expectCountersTrue(app.db, launched.id);

    const cancelled = (await call(CancelExecutionDocument, { id: launched.id })).cancelExecution;
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled).toMatchObject({ totalContacts: 5, contactsPending: 0, contactsSkipped: 5, contactsInProgress: 0 });
    expect(cancelled.actualEndAt).not.toBeNull();
    await expectCountersTrue(app.db, launched.id);

    const cancelledAgain = (await call(CancelExecutionDocument, { id: launched.id })).cancelExecution;
    expect(cancelledAgain.sequence).toBe(cancelled.sequence);

    expect(await codeOf(ResumeExecutionDocument, { id: launched.id })).toBe("INVALID_EXECUTION_STATE");
    expect(await codeOf(PauseExecutionDocument, { id: launched.id })).toBe("INVALID_EXECUTION_STATE");
    const after = (await call(GetExecutionDocument, { id: launched.id })).programExecution!;
    expect(after.status).toBe("CANCELLED");
    expect(after.sequence).toBe(cancelled.sequence);
    await expectCountersTrue(app.db, launched.id);

    const skipped = (await call(ListExecutionContactsDocument, { executionId: launched.id, status: "SKIPPED" })).executionContacts;
    expect(skipped.meta.total).toBe(5);
  });

  it("schedules a launch with a future start time; pause and resume are refused while scheduled; cancel ends it at once", async () => {
    const f = await createProgramFixture(app, orgId, { phones: phones(3) });
    const startAt = new Date(Date.now() + 3600_000).toISOString();
    const e = (await call(LaunchProgramDocument, { programId: f.programId, startAt })).launchProgram;
    expect(e.status).toBe("SCHEDULED");
    expect(e.scheduledStartAt).toBe(startAt);
    expect(await codeOf(PauseExecutionDocument, { id: e.id })).toBe("INVALID_EXECUTION_STATE");
    expect(await codeOf(ResumeExecutionDocument, { id: e.id })).toBe("INVALID_EXECUTION_STATE");
    await expectCountersTrue(app.db, e.id);
    const c = (await call(CancelExecutionDocument, { id: e.id })).cancelExecution;
    expect(c.status).toBe("CANCELLED");
    expect(c.contactsSkipped).toBe(3);
    expect(c.actualEndAt).not.toBeNull();
    await expectCountersTrue(app.db, e.id);
  });

  it("allows one unfinished execution per program, and a new launch once it is finished", async () => {
    const f = await createProgramFixture(app, orgId);
    const first = (await call(LaunchProgramDocument, { programId: f.programId })).launchProgram;
    const again = await gql(url, key, LaunchProgramDocument, { programId: f.programId });
    expect(again.errors?.[0]?.extensions?.code).toBe("EXECUTION_ALREADY_RUNNING");
    expect(again.errors?.[0]?.message).toBe("Program already has a running execution");
    await call(PauseExecutionDocument, { id: first.id });
    expect(await codeOf(LaunchProgramDocument, { programId: f.programId })).toBe("EXECUTION_ALREADY_RUNNING");
    await call(CancelExecutionDocument, { id: first.id });
    const second = (await call(LaunchProgramDocument, { programId: f.programId })).launchProgram;
    expect(second.id).not.toBe(first.id);
    expect(second.status).toBe("RUNNING");
  });

  it("answers the same execution for a repeated idempotency key", async () => {
    const f = await createProgramFixture(app, orgId);
    const a = (await call(LaunchProgramDocument, { programId: f.programId, idempotencyKey: "k-1" })).launchProgram;
    const b = (await call(LaunchProgramDocument, { programId: f.programId, idempotencyKey: "k-1" })).launchProgram;
    expect(b.id).toBe(a.id);
    await call(CancelExecutionDocument, { id: a.id });
    const c = (await call(LaunchProgramDocument, { programId: f.programId, idempotencyKey: "k-1" })).launchProgram;
    expect(c.id).toBe(a.id);
    const d = (await call(LaunchProgramDocument, { programId: f.programId, idempotencyKey: "k-2" })).launchProgram;
    expect(d.id).not.toBe(a.id);
  });

  it("keeps the snapshot: contacts added after launch are not in it, removed ones still are", async () => {
    const f = await createProgramFixture(app, orgId, { phones: phones(4, undefined, 1000) });
    const e = (await call(LaunchProgramDocument, { programId: f.programId })).launchProgram;
    const [late] = (await call(UpsertContactsDocument, { contacts: [{ primaryPhone: phones(1, 1, 1100)[0] }] })).upsertContacts;
    await call(AddContactsToAudienceDocument, { audienceId: f.audienceId, contactIds: [late.id] });
    await call(RemoveContactsFromAudienceDocument, { audienceId: f.audienceId, contactIds: [f.contactIds[0]] });
    const rows = (await call(ListExecutionContactsDocument, { executionId: e.id, limit: 100 })).executionContacts;
    const ids = rows.data.map((r) => r.contactId).sort();
    expect(ids).toEqual([...f.contactIds].sort());
    expect(ids).not.toContain(late.id);
    expect((await call(GetExecutionDocument, { id: e.id })).programExecution?.totalContacts).toBe(4);
  });

  it("pins the program as it was at launch (flow version, retry strategy, concurrency cap)", async () => {
    const f = await createProgramFixture(app, orgId, { retryStrategy: { type: "fixed_delay", delayMinutes: 5, maxRetries: 2 }, maxConcurrentCalls: 7 });
    const e = (await call(LaunchProgramDocument, { programId: f.programId })).launchProgram;
    await call(UpdateFlowDocument, { id: f.flowId, input: { name: "v2", ...SIMPLE_FLOW } });
    await call(UpdateProgramDocument, { id: f.programId, input: { maxConcurrentCalls: 99, retryStrategy: { type: "none" } } });
    const row = await app.db.read((r) => r.query<Record<string, unknown>>("SELECT flow_version, max_concurrent_calls, retry_strategy FROM program_executions WHERE id = ?", [e.id]));
    expect(Number(row[0].flow_version)).toBe(1);
    expect(Number(row[0].max_concurrent_calls)).toBe(7);
    expect(JSON.parse(String(row[0].retry_strategy))).toEqual({ type: "fixed_delay", delayMinutes: 5, maxRetries: 2, retryOnVoicemail: true });
    await call(CancelExecutionDocument, { id: e.id });
    const next = (await call(LaunchProgramDocument, { programId: f.programId })).launchProgram;
    expect(next.flowVersion).toBe(2);
  });

  it("refuses launching an archived program and an empty audience", async () => {
    const f = await createProgramFixture(app, orgId);
    await call(UpdateProgramDocument, { id: f.programId, input: { status: "ARCHIVED" } });
    expect(await codeOf(LaunchProgramDocument, { programId: f.programId })).toBe("PROGRAM_STATUS_CONFLICT");

    const g = await createProgramFixture(app, orgId, { phones: phones(1, 3, 2000) });
    await call(RemoveContactsFromAudienceDocument, { audienceId: g.audienceId, contactIds: g.contactIds });
    expect(await codeOf(LaunchProgramDocument, { programId: g.programId })).toBe("AUDIENCE_EMPTY");
    const count = await app.db.read((r) => r.query<{ n: number }>("SELECT COUNT(*) AS n FROM program_executions WHERE program_id = ?", [g.programId]));
    expect(Number(count[0].n)).toBe(0);
  });

  it("refuses a stop time already past at launch, and a stop time before the start", async () => {
    const f = await createProgramFixture(app, orgId);
    const past = await gql(url, key, LaunchProgramDocument, { programId: f.programId, stopAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(past.errors?.[0]?.message).toContain("stopAt");
    const inverted = await gql(url, key, LaunchProgramDocument, {
      programId: f.programId,
      startAt: new Date(Date.now() + 7200_000).toISOString(),
      stopAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(inverted.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(inverted.errors?.[0]?.message).toContain("stopAt");
  });

  it("refuses every move out of stopped and completed, and cancel is a repeat only for cancelled", async () => {
    const now = () => new Date();
    // Stop: the scheduler's move at the stop time (shared store SQL), pending contacts become skipped.
    const f = await createProgramFixture(app, orgId, { phones: phones(3, undefined, 3000) });
    const s = (await call(LaunchProgramDocument, { programId: f.programId })).launchProgram;
    // One store move does the stop, the skips and the end of the execution.
    await app.db.transaction(async (tx) => {
      expect(await changeStatus(tx, s.id, "stop", now())).toBe(true);
    });
    const stopped = (await call(GetExecutionDocument, { id: s.id })).programExecution!;
    expect(stopped).toMatchObject({ status: "STOPPED", contactsSkipped: 3, contactsPending: 0 });
    expect(stopped.actualEndAt).not.toBeNull();
    await expectCountersTrue(app.db, s.id);

    // Complete: every contact reached a final status (moved with its counters in one transaction), then settle.
    const g = await createProgramFixture(app, orgId, { phones: phones(2, undefined, 3100) });
    const c = (await call(LaunchProgramDocument, { programId: g.programId })).launchProgram;
    await app.db.transaction(async (tx) => {
      const n = await tx.execute("UPDATE execution_contacts SET status = 'completed' WHERE execution_id = ? AND status = 'pending'", [c.id]);
      await tx.execute("UPDATE program_executions SET contacts_pending = contacts_pending - ?, contacts_completed = contacts_completed + ? WHERE id = ?", [n, n, c.id]);
      expect(await finishIfDone(tx, c.id, now())).toBe(true);
    });
    const completed = (await call(GetExecutionDocument, { id: c.id })).programExecution!;
    expect(completed).toMatchObject({ status: "COMPLETED", contactsCompleted: 2 });
    expect(completed.actualEndAt).not.toBeNull();
    await expectCountersTrue(app.db, c.id);

    for (const e of [stopped, completed]) {
      expect(await codeOf(PauseExecutionDocument, { id: e.id })).toBe("INVALID_EXECUTION_STATE");
      expect(await codeOf(ResumeExecutionDocument, { id: e.id })).toBe("INVALID_EXECUTION_STATE");
      expect(await codeOf(CancelExecutionDocument, { id: e.id })).toBe("INVALID_EXECUTION_STATE");
      const after = (await call(GetExecutionDocument, { id: e.id })).programExecution!;
      expect(after.sequence).toBe(e.sequence);
      expect(after.status).toBe(e.status);
    }
    // Finished executions free the program for a new launch.
    expect((await call(LaunchProgramDocument, { programId: f.programId })).launchProgram.status).toBe("RUNNING");
  });

  it("a paused execution whose last contact finished while paused completes on resume", async () => {
    const f = await createProgramFixture(app, orgId, { phones: phones(2, undefined, 3200) });
    const e = (await call(LaunchProgramDocument, { programId: f.programId })).launchProgram;
    await call(PauseExecutionDocument, { id: e.id });
    await app.db.transaction(async (tx) => {
      const n = await tx.execute("UPDATE execution_contacts SET status = 'failed' WHERE execution_id = ? AND status = 'pending'", [e.id]);
      await tx.execute("UPDATE program_executions SET contacts_pending = contacts_pending - ?, contacts_failed = contacts_failed + ? WHERE id = ?", [n, n, e.id]);
      expect(await finishIfDone(tx, e.id, new Date())).toBe(false); // paused: never completes on its own
    });
    expect((await call(GetExecutionDocument, { id: e.id })).programExecution?.status).toBe("PAUSED");
    const resumed = (await call(ResumeExecutionDocument, { id: e.id })).resumeExecution;
    expect(resumed.status).toBe("COMPLETED");
    expect(resumed.actualEndAt).not.toBeNull();
    await expectCountersTrue(app.db, e.id);
  });

  it("has a counter check that catches a counter out of step with the rows", async () => {
    const f = await createProgramFixture(app, orgId);
    const e = (await call(LaunchProgramDocument, { programId: f.programId })).launchProgram;
    await app.db.transaction((tx) => tx.execute("UPDATE program_executions SET contacts_pending = contacts_pending - 1, contacts_completed = contacts_completed + 1 WHERE id = ?", [e.id]));
    await expect(expectCountersTrue(app.db, e.id)).rejects.toThrow();
    await call(CancelExecutionDocument, { id: e.id });
  });

  it("answers null for an unknown execution and EXECUTION_NOT_FOUND for moves on it", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect((await call(GetExecutionDocument, { id: unknown })).programExecution).toBeNull();
    expect((await call(GetExecutionDocument, { id: "not-a-uuid" })).programExecution).toBeNull();
    expect(await codeOf(PauseExecutionDocument, { id: unknown })).toBe("EXECUTION_NOT_FOUND");
    expect(await codeOf(CancelExecutionDocument, { id: "nope" })).toBe("EXECUTION_NOT_FOUND");
  });
});

