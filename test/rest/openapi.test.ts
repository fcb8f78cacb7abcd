import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { openApiDocument } from "../../src/http/rest/openapi";
import { ROUTES } from "../../src/http/rest/router";
import { SIMPLE_FLOW } from "../support/fixtures";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { expectExecutionTrue, Rest, restFor, seen, validatorAt } from "./support";

// The OpenAPI document cannot drift: its operations are exactly the router's, every schema compiles under Ajv's
// strict mode, and a tour calls every operation for real, each response checked against the document by ./support.

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const doc = openApiDocument as Json;
const METHODS = ["get", "post", "put", "patch", "delete"];

function documentedOperations(): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const m of METHODS) {
      if (!item[m]) continue;
      const success = Object.keys(item[m].responses).find((s) => s.startsWith("2"));
      out.push(`${m.toUpperCase()} ${path} ${success}`);
    }
  }
  return out.sort();
}

it("the document is OpenAPI 3.1, its schemas compile (Ajv 2020-12, strict), its operations are the router's", () => {
  expect(doc.openapi).toBe("3.1.0");
  for (const name of Object.keys(doc.components.schemas)) validatorAt(`/components/schemas/${name.replace(/~/g, "~0")}`);
  const routed = ROUTES.map((r) => `${r.method.toUpperCase()} /api${r.path} ${r.status}`);
  expect(documentedOperations()).toEqual([...routed, "GET /api/openapi.json 200"].sort());
  const ids = documentedOperations().map((op) => {
    const [m, path] = op.split(" ");
    return doc.paths[path][m.toLowerCase()].operationId;
  });
  expect(new Set(ids).size).toBe(ids.length);
});

describeEachDb("REST gateway: every operation's real responses match the OpenAPI document", (target) => {
  let app: App;
  let api: Rest;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
    api = restFor(app, (await newOrg(app)).apiKey);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("GET /api/openapi.json is served without a key, and is the committed document", async () => {
    const res = await api.get("/openapi.json", { apiKey: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });

  it("a tour of every route", async () => {
    seen.clear();
    // Contacts
    const c1 = await api.ok("POST", "/contact", 201, { primaryPhone: "+14155550101", firstName: "Ada", lastName: "Lovelace", primaryEmail: "ada@example.com", customAttributes: { plan: "pro" } });
    expect(c1).toMatchObject({ primaryPhone: "+14155550101", firstName: "Ada", customAttributes: { plan: "pro" } });
    const up = await api.ok("POST", "/contact/upsert", 200, { data: [{ primaryPhone: "+14155550101", lastName: "King" }, { primaryPhone: "+14155550102" }, { primaryPhone: "+14155550103" }] });
    expect(up.data[0]).toMatchObject({ id: c1.id, firstName: "Ada", lastName: "King" });
    const contactIds: string[] = up.data.map((c: Json) => c.id);
    expect((await api.ok("GET", "/contact", 200)).meta.total).toBe(3);
    expect(await api.ok("GET", `/contact/${c1.id}`, 200)).toMatchObject({ lastName: "King", primaryEmail: "ada@example.com" });
    expect(await api.ok("PUT", `/contact/${c1.id}`, 200, { firstName: "Augusta", primaryEmail: null })).toMatchObject({ firstName: "Augusta", lastName: "King", primaryEmail: null });

    // Audiences
    const audience = await api.ok("POST", "/audience", 201, { name: "Tour", description: "every route 🚀 (4-byte UTF-8)" });
    expect(audience.contactCount).toBe(0);
    expect((await api.ok("POST", `/audience/${audience.id}/add-contacts`, 200, { contacts: contactIds })).contactCount).toBe(3);
    expect((await api.ok("POST", `/audience/${audience.id}/remove-contacts`, 200, { contacts: [contactIds[2]] })).contactCount).toBe(2);
    const members = await api.ok("GET", `/audience/${audience.id}/contacts`, 200);
    expect(members.data.map((c: Json) => c.id).sort()).toEqual(contactIds.slice(0, 2).sort());
    const second = await api.ok("GET", `/audience/${audience.id}/contacts?page=2&limit=1`, 200);
    expect(second.data).toEqual([members.data[1]]);
    expect(second.meta).toEqual({ page: 2, limit: 1, total: 2, totalPages: 2, hasNextPage: false, hasPreviousPage: true });
    expect(await api.ok("PUT", `/audience/${audience.id}`, 200, { name: "Tour (renamed)" })).toMatchObject({ name: "Tour (renamed)", description: "every route 🚀 (4-byte UTF-8)", contactCount: 2 });
    expect(await api.ok("GET", `/audience/${audience.id}`, 200)).toMatchObject({ name: "Tour (renamed)", contactCount: 2 });
    expect((await api.ok("GET", "/audience", 200)).data.map((a: Json) => a.id)).toEqual([audience.id]);

    // Flows: PUT creates a new version
    const flow = await api.ok("POST", "/flows", 201, { name: "Tour flow", ...SIMPLE_FLOW });
    expect(flow).toMatchObject({ version: 1, startNodeId: "dial" });
    expect(flow.nodes[0]).toEqual({ ...SIMPLE_FLOW.nodes[0], label: null });
    const v2 = await api.ok("PUT", `/flows/${flow.id}`, 200, { name: "Tour flow v2", startNodeId: "dial", nodes: [{ ...SIMPLE_FLOW.nodes[0], label: "Call" }, SIMPLE_FLOW.nodes[1]] });
    expect(v2).toMatchObject({ version: 2, name: "Tour flow v2" });
    expect((await api.ok("GET", `/flows/${flow.id}`, 200)).nodes[0].label).toBe("Call");
    expect((await api.ok("GET", "/flows", 200)).meta.total).toBe(1);

    // The organization's settings and the do-not-call list came with the calling rules
    expect(await api.ok("GET", "/organization", 200)).toMatchObject({ timezone: "UTC", maxConcurrentCalls: null });
    expect(await api.ok("PATCH", "/organization", 200, { timezone: "America/New_York", maxConcurrentCalls: 50 })).toMatchObject({ timezone: "America/New_York", maxConcurrentCalls: 50 });
    expect(await api.ok("POST", "/dnc", 200, { numbers: ["+14155550177", "+14155550178"], reason: "asked" })).toEqual({ added: 2, alreadyListed: 0 });
    expect((await api.ok("GET", "/dnc?search=%2B1415", 200)).meta.total).toBe(2);
    expect(await api.ok("GET", "/dnc/+14155550177", 200)).toMatchObject({ number: "+14155550177", source: "api", reason: "asked" });
    expect((await api.ok("DELETE", "/dnc/+14155550178", 200)).number).toBe("+14155550178");

    // DIDs (caller IDs) came with real calls
    const did = await api.ok("POST", "/dids", 201, { number: "+14155550199", description: "tour line" });
    expect(did).toMatchObject({ number: "+14155550199", country: "US", status: "active", description: "tour line" });
    expect((await api.ok("GET", "/dids", 200)).meta.total).toBe(1);
    expect((await api.ok("GET", `/dids/${did.id}`, 200)).number).toBe("+14155550199");
    expect(await api.ok("PATCH", `/dids/${did.id}`, 200, { description: null })).toMatchObject({ description: null, status: "active" });

    // Webhooks (pointed at a closed port: nothing is delivered during the tour).
    const hook = await api.ok("POST", "/webhooks", 201, { url: "http://127.0.0.1:9/tour", events: ["execution.finished"] });
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await api.ok("GET", "/webhooks", 200)).meta.total).toBe(1);
    expect(await api.ok("GET", `/webhooks/${hook.id}`, 200)).not.toHaveProperty("secret");
    expect(await api.ok("PATCH", `/webhooks/${hook.id}`, 200, { enabled: false })).toMatchObject({ enabled: false });
    expect((await api.ok("GET", `/webhooks/${hook.id}/deliveries`, 200)).meta.total).toBe(0);
    expect((await api.ok("DELETE", `/webhooks/${hook.id}`, 200)).id).toBe(hook.id);

    // Programs
    const program = await api.ok("POST", "/programs", 201, {
      name: "Tour program",
      audienceId: audience.id,
      flowId: flow.id,
      retryStrategy: { type: "fixed_delay", delayMinutes: 30, maxRetries: 3 },
      didPool: [did.id],
    });
    expect(program).toMatchObject({ status: "draft", maxConcurrentCalls: 10, didPool: [did.id], retryStrategy: { type: "fixed_delay", delayMinutes: 30, maxRetries: 3, retryOnVoicemail: true } });
    expect(await api.ok("PATCH", `/programs/${program.id}`, 200, { maxConcurrentCalls: 25, description: "tour" })).toMatchObject({ maxConcurrentCalls: 25, description: "tour" });
    expect((await api.ok("GET", `/programs/${program.id}`, 200)).maxConcurrentCalls).toBe(25);
    expect(await api.ok("GET", `/programs/${program.id}/preview`, 200)).toMatchObject({ totalContacts: 2, suppressed: 0, callableNow: 2, inPauseWindowNow: false });
    expect((await api.ok("GET", "/programs", 200)).meta.total).toBe(1);

    // Executions
    const { executionId } = await api.ok("POST", `/programs/${program.id}/launch`, 201);
    await expectExecutionTrue(app, await api.ok("GET", `/program-executions/${executionId}`, 200));
    expect((await api.ok("GET", "/program-executions", 200)).data.map((e: Json) => e.id)).toEqual([executionId]);
    expect((await api.ok("GET", `/programs/${program.id}/executions`, 200)).meta.total).toBe(1);
    expect((await api.ok("GET", `/program-executions/${executionId}/contacts`, 200)).meta.total).toBe(2);
    // A finished attempt as the dispatcher records it, so the CallAttempt schema is checked against a real row.
    const t = Date.now();
    await app.db.transaction((tx) =>
      tx.execute(
        `INSERT INTO call_attempts (id, execution_id, contact_id, attempt_number, outcome, failure_reason, flow_outcome, started_at, answered_at, ended_at, duration_ms, path, variables)
         VALUES (?, ?, ?, 1, 'completed', NULL, 'completed', ?, ?, ?, 2000, ?, ?)`,
        [randomUUID(), executionId, contactIds[0], t, t + 100, t + 2000, JSON.stringify(["dial", "bye"]), JSON.stringify({ answeredBy: "human" })],
      ),
    );
    const calls = await api.ok("GET", `/program-executions/${executionId}/calls?contactId=${contactIds[0]}`, 200);
    expect(calls.data).toHaveLength(1);
    expect(calls.data[0]).toMatchObject({ attemptNumber: 1, outcome: "completed", flowOutcome: "completed", durationMs: 2000, path: ["dial", "bye"], variables: { answeredBy: "human" } });
    // Downloads: the files' media types and headers are checked against the document by ./support.
    expect((await api.download(`/program-executions/${executionId}/contacts/export?format=csv`)).text.split("\r\n")).toHaveLength(4);
    expect((await api.download(`/program-executions/${executionId}/calls/export?format=ndjson&contactId=${contactIds[0]}`)).text.split("\n")).toHaveLength(2);
    await expectExecutionTrue(app, await api.ok("PATCH", `/program-executions/${executionId}/pause`, 200));
    await expectExecutionTrue(app, await api.ok("PATCH", `/program-executions/${executionId}/resume`, 200));
    await expectExecutionTrue(app, await api.ok("DELETE", `/program-executions/${executionId}`, 200));
    // Results: the event log, the report, and a relaunch of the contacts the cancel skipped.
    const events = await api.ok("GET", `/program-executions/${executionId}/events?after=0&limit=50`, 200);
    expect(events.data.map((e: Json) => e.type)).toEqual(["execution.launched", "execution.status_changed", "execution.status_changed", "execution.status_changed", "execution.finished"]);
    expect(await api.ok("GET", `/program-executions/${executionId}/report`, 200)).toMatchObject({ contacts: { total: 2, skipped: 2 }, calls: { totalCalls: 1, answered: 1 } });
    const relaunched = await api.ok("POST", `/program-executions/${executionId}/relaunch`, 201, { statuses: ["skipped"] });
    await expectExecutionTrue(app, await api.ok("DELETE", `/program-executions/${relaunched.executionId}`, 200));

    // Deletes, once nothing uses the object any more
    expect((await api.ok("DELETE", `/programs/${program.id}`, 200)).id).toBe(program.id);
    expect((await api.ok("DELETE", `/dids/${did.id}`, 200)).id).toBe(did.id);
    expect((await api.ok("DELETE", `/flows/${flow.id}`, 200)).id).toBe(flow.id);
    expect((await api.ok("DELETE", `/audience/${audience.id}`, 200)).id).toBe(audience.id);
    expect((await api.ok("DELETE", `/contact/${c1.id}`, 200)).id).toBe(c1.id);
    expect((await api.get(`/contact/${c1.id}`)).status).toBe(404);
    expect((await api.get(`/programs/${program.id}`)).status).toBe(404);

    await api.get("/openapi.json", { apiKey: null });
    // Every documented operation was called and answered its documented success status.
    const succeeded = [...seen].filter((s) => / 2\d\d$/.test(s)).sort();
    expect(succeeded).toEqual(documentedOperations());
  });
});
