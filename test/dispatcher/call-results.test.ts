import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import type { FlowNode } from "../../src/modules/flow/flow.types";
import { ListCallAttemptsDocument, ListExecutionContactsDocument } from "../generated/graphql";
import { phones } from "../support/fixtures";
import { gqlOk } from "../support/graphql-client";
import { expectCountersTrue } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { attemptsOf, dispatcherEnv, privateDatabase, waitFinished } from "./support";

// A flow that uses every node kind the simulator can drive, value sources included.
const FLOW: { startNodeId: string; nodes: FlowNode[] } = {
  startNodeId: "dial",
  nodes: [
    { id: "dial", type: "dial", config: { timeout: 30000, enableAMD: true }, outputs: { onAnswer: "greet", onVoicemail: "vm" } },
    { id: "greet", type: "set_variable", config: { variableName: "name", value: { source: "contactField", field: "firstName" } }, outputs: { onSuccess: "menu" } },
    { id: "menu", type: "dtmf", config: { mode: "single_digit", branches: { "2": "bye", "1": "rec" }, timeoutMs: 5000, maxRetries: 1, variableName: "choice" }, outputs: {} },
    { id: "rec", type: "record", config: { variableName: "msg", maxDurationMs: 60000 }, outputs: { onComplete: "check" } },
    {
      id: "check",
      type: "condition",
      config: { logic: "AND", conditions: [{ left: { source: "customAttribute", attributeName: "tier" }, operator: "eq", right: "gold" }] },
      outputs: { onTrue: "vip", onFalse: "bye" },
    },
    { id: "vip", type: "set_variable", config: { variableName: "attempt", value: { source: "system", name: "sys.attemptNumber" } }, outputs: { onSuccess: "bye" } },
    { id: "vm", type: "play", config: { audioItems: [{ type: "tts", text: "call us back" }] }, outputs: { onComplete: "bye" } },
    { id: "bye", type: "hangup", config: { reason: "done", hangupType: "normal" }, outputs: {} },
  ],
};

describeEachDb("dispatcher: what a call records, and how users review it", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};
  let baseUrl = "";

  beforeAll(async () => {
    const db = await privateDatabase(target, "results");
    drop = db.drop;
    app = await startTestApp({ databaseUrl: db.url, roles: "api,dispatcher", env: dispatcherEnv({ VOICECAST_SIM_CALL_MS: "60" }) });
    baseUrl = `http://127.0.0.1:${app.port}`;
  });
  afterAll(async () => {
    await app?.stop();
    await drop();
  });

  it("walks the pinned flow version with contact data, and GraphQL shows contacts and attempts", async () => {
    const { organizationId, apiKey } = await newOrg(app);
    const s = app.services;
    const [gold, plain, machine, deleted, busy] = phones(5, undefined, 0).map((p, i) => p.slice(0, -1) + [0, 1, 9, 2, 7][i]);
    const contacts = await s.contacts.upsertContacts(organizationId, [
      { primaryPhone: gold, firstName: "Ada", customAttributes: { tier: "gold" } },
      { primaryPhone: plain, firstName: "Bob", customAttributes: { tier: "silver" } },
      { primaryPhone: machine, firstName: "Cy" },
      { primaryPhone: deleted, firstName: "Dee" },
      { primaryPhone: busy, firstName: "Eve" },
    ]);
    const audience = await s.audiences.createAudience(organizationId, { name: "a" });
    await s.audiences.addContacts(organizationId, audience.id, contacts.map((c) => c.id));
    const flow = await s.flows.createFlow(organizationId, { name: "f", ...FLOW });
    const program = await s.programs.createProgram(organizationId, {
      name: "p",
      audienceId: audience.id,
      flowId: flow.id,
      retryStrategy: { type: "none" },
      maxConcurrentCalls: 1,
    });
    // Starts a little later, so the snapshot can be changed around before any call.
    const execution = await s.executions.launch(organizationId, program.id, { startAt: new Date(Date.now() + 1000) });
    expect(execution.status).toBe("scheduled");
    const byPhone = new Map(contacts.map((c) => [c.primaryPhone, c.id]));
    // A contact deleted after launch is still called, with the snapshot's phone (its other fields are gone).
    await s.contacts.deleteContact(organizationId, byPhone.get(deleted)!);
    // A later flow version does not affect the execution.
    await s.flows.updateFlow(organizationId, flow.id, { name: "f2", startNodeId: "dial", nodes: [{ ...FLOW.nodes[0], outputs: { onAnswer: "bye" } }, FLOW.nodes[FLOW.nodes.length - 1]] });
    expect((await attemptsOf(app, execution.id)).length).toBe(0);

    const done = await waitFinished(app, execution.id);
    expect(done.status).toBe("completed");
    expect(done.flowVersion).toBe(1);
    await expectCountersTrue(app.db, execution.id);
    expect({ completed: done.contactsCompleted, failed: done.contactsFailed }).toEqual({ completed: 4, failed: 1 });

    const attempts = await attemptsOf(app, execution.id);
    const of = (phone: string) => attempts.find((a) => a.contactId === byPhone.get(phone))!;
    expect(of(gold).path).toEqual(["dial", "greet", "menu", "rec", "check", "vip", "bye"]);
    expect(of(gold).variables).toMatchObject({ name: "Ada", choice: "1", attempt: 1 });
    expect(String(of(gold).variables!.msg)).toMatch(/^sim-rec-/);
    expect(of(gold).flowOutcome).toBe("hungUp");
    expect(of(plain).path).toEqual(["dial", "greet", "menu", "rec", "check", "bye"]);
    expect(of(plain).variables).toMatchObject({ name: "Bob", choice: "1" });
    expect(of(machine)).toMatchObject({ outcome: "voicemail", path: ["dial", "vm", "bye"], flowOutcome: "hungUp" });
    expect(of(deleted)).toMatchObject({ outcome: "completed", path: ["dial", "greet", "menu", "rec", "check", "bye"], variables: expect.objectContaining({ name: null }) });
    expect(of(busy)).toMatchObject({ outcome: "busy", path: ["dial"], flowOutcome: null, answeredAt: null, variables: {} });
    // Each attempt lasts the simulated call time (VOICECAST_SIM_CALL_MS) from dialing.
    for (const a of attempts) expect(a.endedAt! - a.startedAt).toBeGreaterThanOrEqual(55);

    // Review failures (the seed): filter the snapshot by status, then read the attempts.
    const failed = await gqlOk(baseUrl, apiKey, ListExecutionContactsDocument, { executionId: execution.id, status: "FAILED" });
    expect(failed.executionContacts.meta.total).toBe(1);
    expect(failed.executionContacts.data[0]).toMatchObject({ contactId: byPhone.get(busy), primaryPhone: busy, status: "FAILED", attempts: 1, lastOutcome: "busy", nextAttemptAt: null });
    const all = await gqlOk(baseUrl, apiKey, ListExecutionContactsDocument, { executionId: execution.id, limit: 10 });
    expect(all.executionContacts.data.map((c) => c.status).sort()).toEqual(["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "FAILED"]);

    const calls = await gqlOk(baseUrl, apiKey, ListCallAttemptsDocument, { executionId: execution.id, contactId: byPhone.get(gold) });
    expect(calls.callAttempts.meta.total).toBe(1);
    const call = calls.callAttempts.data[0];
    expect(call).toMatchObject({ attemptNumber: 1, outcome: "completed", failureReason: null, flowOutcome: "hungUp", path: ["dial", "greet", "menu", "rec", "check", "vip", "bye"] });
    expect(call.variables).toMatchObject({ name: "Ada", choice: "1", attempt: 1 });
    expect(Date.parse(call.endedAt!) - Date.parse(call.startedAt)).toBe(call.durationMs);
    expect(Date.parse(call.answeredAt!)).toBeGreaterThanOrEqual(Date.parse(call.startedAt));
    const everyCall = await gqlOk(baseUrl, apiKey, ListCallAttemptsDocument, { executionId: execution.id, limit: 10 });
    expect(everyCall.callAttempts.meta.total).toBe(5);
  });
});
