import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { expectError, Rest, restFixture, restFor } from "./support";

// Every kind of client mistake answers JSON `{ error, message }` with the right 4xx: never HTML, a stack trace,
// SQL or a 5xx. (The client in ./support fails any response that is not JSON, is 5xx, or leaks a stack or SQL.)

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

describeEachDb("REST gateway: errors a person at a terminal can act on", (target) => {
  let app: App;
  let api: Rest;
  let fx: Awaited<ReturnType<typeof restFixture>>;
  let executionId: string;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
    api = restFor(app, (await newOrg(app)).apiKey);
    fx = await restFixture(api);
    executionId = (await api.ok("POST", `/programs/${fx.programId}/launch`, 201)).executionId;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("a missing, unknown or revoked key → 401 UnauthorizedError, before anything else", async () => {
    expectError(await api.get("/programs", { apiKey: null }), 401, "UnauthorizedError", /x-api-key/);
    expectError(await api.get("/programs", { apiKey: "vc_not-a-key" }), 401, "UnauthorizedError");
    expectError(await api.get("/programs", { apiKey: null, headers: { Authorization: "Bearer vc_nope" } }), 401, "UnauthorizedError");
    expectError(await api.post(`/programs/${fx.programId}/launch`, undefined, { apiKey: null }), 401, "UnauthorizedError");
    expectError(await api.get("/no-such-route", { apiKey: null }), 401, "UnauthorizedError");

    const issued = await app.services.organizations.createApiKey((await newOrg(app)).organizationId);
    expect((await api.get("/programs", { apiKey: issued.apiKey })).status).toBe(200);
    await app.services.organizations.revokeApiKey(issued.apiKeyId);
    expectError(await api.get("/programs", { apiKey: issued.apiKey }), 401, "UnauthorizedError");
  });

  it("an unknown or malformed id → 404 with the object's NotFoundError, on every route that takes one", async () => {
    const cases: Array<[string, string, string, unknown?]> = [
      ["POST", "/programs/{id}/launch", "ProgramNotFoundError"],
      ["GET", "/program-executions/{id}", "ExecutionNotFoundError"],
      ["PATCH", "/program-executions/{id}/pause", "ExecutionNotFoundError"],
      ["PATCH", "/program-executions/{id}/resume", "ExecutionNotFoundError"],
      ["DELETE", "/program-executions/{id}", "ExecutionNotFoundError"],
      ["GET", "/program-executions/{id}/contacts", "ExecutionNotFoundError"],
      ["GET", "/program-executions/{id}/calls", "ExecutionNotFoundError"],
      ["GET", "/programs/{id}/executions", "ProgramNotFoundError"],
      ["GET", "/programs/{id}", "ProgramNotFoundError"],
      ["PATCH", "/programs/{id}", "ProgramNotFoundError", { name: "x" }],
      ["DELETE", "/programs/{id}", "ProgramNotFoundError"],
      ["GET", "/flows/{id}", "FlowNotFoundError"],
      ["PUT", "/flows/{id}", "FlowNotFoundError", { name: "f", startNodeId: "dial", nodes: [{ id: "dial", type: "dial", config: {}, outputs: {} }] }],
      ["DELETE", "/flows/{id}", "FlowNotFoundError"],
      ["GET", "/contact/{id}", "ContactNotFoundError"],
      ["PUT", "/contact/{id}", "ContactNotFoundError", { firstName: "x" }],
      ["DELETE", "/contact/{id}", "ContactNotFoundError"],
      ["GET", "/audience/{id}", "AudienceNotFoundError"],
      ["PUT", "/audience/{id}", "AudienceNotFoundError", { name: "x" }],
      ["DELETE", "/audience/{id}", "AudienceNotFoundError"],
      ["POST", "/audience/{id}/add-contacts", "AudienceNotFoundError", { contacts: fx.contactIds }],
      ["POST", "/audience/{id}/remove-contacts", "AudienceNotFoundError", { contacts: fx.contactIds }],
      ["GET", "/audience/{id}/contacts", "AudienceNotFoundError"],
    ];
    for (const id of [UNKNOWN, "not-a-uuid", "1"]) {
      for (const [method, path, error, body] of cases) {
        const res = await api.request(method, path.replace("{id}", id), { body });
        expectError(res, 404, error, new RegExp(id));
      }
    }
  });

  it("an unknown route → 404 NotFoundError; an unsupported method → 405 with Allow", async () => {
    expectError(await api.get("/nope"), 404, "NotFoundError", /GET \/api\/nope/);
    expectError(await api.get(""), 404, "NotFoundError");
    expectError(await api.post("/programs/x/launch/now"), 404, "NotFoundError");
    const res = await api.request("PUT", `/programs/${fx.programId}`, { body: { name: "x" } });
    expectError(res, 405, "MethodNotAllowedError", /PATCH/);
    expect(res.headers.get("allow")).toBe("GET, PATCH, DELETE");
    expectError(await api.get(`/programs/${fx.programId}/launch`), 405, "MethodNotAllowedError");
    expectError(await api.post(`/program-executions/${executionId}/pause`), 405, "MethodNotAllowedError");
    expectError(await api.request("PATCH", "/contact/upsert"), 405, "MethodNotAllowedError");
  });

  it("invalid JSON → 400 ValidationError; a body that is not an object → 400", async () => {
    expectError(await api.request("POST", "/programs", { raw: '{"name": "x",', contentType: "application/json" }), 400, "ValidationError", /not valid JSON/);
    expectError(await api.request("POST", "/contact/upsert", { raw: "{'data': []}", contentType: "application/json" }), 400, "ValidationError", /not valid JSON/);
    expectError(await api.request("POST", "/programs", { raw: "null", contentType: "application/json" }), 400, "ValidationError");
    expectError(await api.post("/programs", [{ name: "x" }]), 400, "ValidationError", /body: must be a JSON object/);
    expectError(await api.post("/audience", "just a string"), 400, "ValidationError");
  });

  it("a body that is not JSON → 415 UnsupportedMediaTypeError naming the header", async () => {
    // What `curl -d '{"name":"x"}'` sends without -H "Content-Type: application/json".
    const form = await api.request("POST", "/audience", { raw: '{"name":"x"}', contentType: "application/x-www-form-urlencoded" });
    expectError(form, 415, "UnsupportedMediaTypeError", /Content-Type: application\/json/);
    expectError(await api.request("POST", "/audience", { raw: "name=x", contentType: "text/plain" }), 415, "UnsupportedMediaTypeError");
    expectError(await api.request("POST", "/audience", { raw: '{"name":"x"}', contentType: null }), 415, "UnsupportedMediaTypeError");
    expectError(await api.request("POST", "/audience", { raw: '{"name":"x"}', contentType: "application/json; charset=latin1" }), 415, "UnsupportedMediaTypeError");
    // JSON with a charset, or a +json type, is fine.
    expect((await api.request("POST", "/audience", { raw: '{"name":"x"}', contentType: "application/json; charset=utf-8" })).status).toBe(201);
    expect((await api.request("POST", "/audience", { raw: '{"name":"y"}', contentType: "application/merge-patch+json" })).status).toBe(201);
  });

  it("a field of the wrong type → 400 ValidationError naming the field", async () => {
    const base = { name: "p", audienceId: fx.audienceId, flowId: fx.flowId };
    expectError(await api.post("/programs", { ...base, maxConcurrentCalls: "ten" }), 400, "ValidationError", /^maxConcurrentCalls: /);
    expectError(await api.post("/programs", { ...base, name: 42 }), 400, "ValidationError", /^name: /);
    expectError(await api.post("/programs", { ...base, retryStrategy: { type: "fixed_delay", delayMinutes: "5", maxRetries: 1 } }), 400, "ValidationError", /retryStrategy\.delayMinutes/);
    expectError(await api.post("/programs", { ...base, startAt: "tomorrow" }), 400, "ValidationError", /startAt/);
    expectError(await api.post("/programs", { ...base, audienceId: UNKNOWN }), 400, "ValidationError", /audienceId/);
    expectError(await api.patch(`/programs/${fx.programId}`, { status: "paused" }), 400, "ValidationError", /status/);
    expectError(await api.post("/contact", { primaryPhone: 14155550123 }), 400, "ValidationError", /^primaryPhone: /);
    expectError(await api.post("/contact", { primaryPhone: "+14155550123", customAttributes: [1] }), 400, "ValidationError", /customAttributes/);
    expectError(await api.put(`/contact/${fx.contactIds[0]}`, { primaryEmail: "nope" }), 400, "ValidationError", /primaryEmail/);
    expectError(await api.post("/audience", { name: ["a"] }), 400, "ValidationError", /^name: /);
    expectError(await api.post(`/audience/${fx.audienceId}/add-contacts`, { contacts: "all" }), 400, "ValidationError", /^contacts: /);
    expectError(await api.post(`/audience/${fx.audienceId}/add-contacts`, { contacts: [UNKNOWN] }), 400, "ValidationError", /^contacts: 1 unknown contact id/);
    expectError(await api.post(`/audience/${fx.audienceId}/add-contacts`, {}), 400, "ValidationError", /^contacts: /);
    expectError(await api.post("/flows", { name: "f", startNodeId: "dial", nodes: "dial" }), 400, "ValidationError", /nodes/);
    expectError(await api.post("/contact/upsert", { rows: [] }), 400, "ValidationError", /^data: is required/);
    expectError(await api.post("/contact/upsert", { data: {} }), 400, "ValidationError", /^data: must be an array/);
    const launch = await api.request("POST", `/programs/${fx.programId}/launch`, { headers: { "Idempotency-Key": " " } });
    expectError(launch, 400, "ValidationError", /idempotencyKey/);
  });

  it("bad paging and filters → 400 ValidationError naming the parameter", async () => {
    expectError(await api.get("/programs?limit=1000"), 400, "ValidationError", /^limit: must be at most 100/);
    expectError(await api.get("/programs?limit=0"), 400, "ValidationError", /^limit: /);
    expectError(await api.get("/program-executions?page=0"), 400, "ValidationError", /^page: /);
    expectError(await api.get("/contact?page=two"), 400, "ValidationError", /^page: /);
    expectError(await api.get("/audience?page=1&page=2"), 400, "ValidationError", /^page: must be given once/);
    expectError(await api.get(`/program-executions/${executionId}/contacts?status=done`), 400, "ValidationError", /^status: /);
    expect((await api.get(`/programs/${fx.programId}/executions?limit=100&page=3`)).status).toBe(200);
  });

  it("a body over the limit → 413 PayloadTooLargeError", async () => {
    const big = JSON.stringify({ data: [{ primaryPhone: "+14155550123", firstName: "x".repeat(11 * 1024 * 1024) }] });
    expectError(await api.request("POST", "/contact/upsert", { raw: big, contentType: "application/json" }), 413, "PayloadTooLargeError", /limit/);
    // The connection and the service are fine afterwards.
    expect((await api.get("/programs")).status).toBe(200);
  });

  it("a malformed percent-escape in the path → 400 ValidationError, not a 5xx", async () => {
    expectError(await api.get("/program-executions/%E0%A4%A"), 400, "ValidationError", /decode/);
  });

  it("lifecycle and in-use conflicts keep the contract's names and statuses", async () => {
    expectError(await api.delete(`/programs/${fx.programId}`), 409, "ResourceInUseError");
    expectError(await api.delete(`/flows/${fx.flowId}`), 409, "ResourceInUseError");
    expectError(await api.delete(`/audience/${fx.audienceId}`), 409, "ResourceInUseError");
    const other = await restFixture(api);
    await api.ok("PATCH", `/programs/${other.programId}`, 200, { status: "archived" });
    expectError(await api.post(`/programs/${other.programId}/launch`), 409, "ProgramStatusConflictError");
    const empty = await api.ok("POST", "/audience", 201, { name: "empty" });
    const p = await api.ok("POST", "/programs", 201, { name: "p", audienceId: empty.id, flowId: fx.flowId });
    expectError(await api.post(`/programs/${p.id}/launch`), 400, "AudienceEmptyError");
  });

  it("tenancy: another organization's ids answer 404, exactly like unknown ones", async () => {
    const b = restFor(app, (await newOrg(app, "org B")).apiKey);
    const bfx = await restFixture(b);
    const checks: Array<[string, string, string, unknown?]> = [
      ["GET", `/program-executions/${executionId}`, "ExecutionNotFoundError"],
      ["PATCH", `/program-executions/${executionId}/pause`, "ExecutionNotFoundError"],
      ["PATCH", `/program-executions/${executionId}/resume`, "ExecutionNotFoundError"],
      ["DELETE", `/program-executions/${executionId}`, "ExecutionNotFoundError"],
      ["GET", `/program-executions/${executionId}/contacts`, "ExecutionNotFoundError"],
      ["GET", `/program-executions/${executionId}/calls`, "ExecutionNotFoundError"],
      ["POST", `/programs/${fx.programId}/launch`, "ProgramNotFoundError"],
      ["GET", `/programs/${fx.programId}`, "ProgramNotFoundError"],
      ["GET", `/programs/${fx.programId}/executions`, "ProgramNotFoundError"],
      ["PATCH", `/programs/${fx.programId}`, "ProgramNotFoundError", { name: "stolen" }],
      ["DELETE", `/programs/${fx.programId}`, "ProgramNotFoundError"],
      ["GET", `/flows/${fx.flowId}`, "FlowNotFoundError"],
      ["DELETE", `/flows/${fx.flowId}`, "FlowNotFoundError"],
      ["GET", `/contact/${fx.contactIds[0]}`, "ContactNotFoundError"],
      ["PUT", `/contact/${fx.contactIds[0]}`, "ContactNotFoundError", { firstName: "stolen" }],
      ["DELETE", `/contact/${fx.contactIds[0]}`, "ContactNotFoundError"],
      ["GET", `/audience/${fx.audienceId}`, "AudienceNotFoundError"],
      ["GET", `/audience/${fx.audienceId}/contacts`, "AudienceNotFoundError"],
      ["POST", `/audience/${fx.audienceId}/add-contacts`, "AudienceNotFoundError", { contacts: bfx.contactIds }],
      ["DELETE", `/audience/${fx.audienceId}`, "AudienceNotFoundError"],
    ];
    for (const [method, path, error, body] of checks) expectError(await b.request(method, path, { body }), 404, error);
    // A's contacts cannot join B's audience, and B's program cannot point at A's audience.
    expectError(await b.post(`/audience/${bfx.audienceId}/add-contacts`, { contacts: fx.contactIds }), 400, "ValidationError", /unknown contact id/);
    expectError(await b.patch(`/programs/${bfx.programId}`, { audienceId: fx.audienceId }), 400, "ValidationError", /audienceId/);
    // B's lists hold only B's objects.
    expect((await b.ok("GET", "/contact", 200)).meta.total).toBe(bfx.contactIds.length);
    expect((await b.ok("GET", "/programs", 200)).data.map((p: { id: string }) => p.id)).toEqual([bfx.programId]);
    expect((await b.ok("GET", "/program-executions", 200)).meta.total).toBe(0);
    // A sees its objects untouched.
    expect((await api.ok("GET", `/program-executions/${executionId}`, 200)).status).toBe("running");
    expect((await api.ok("GET", `/contact/${fx.contactIds[0]}`, 200)).firstName).toBeNull();
  });
});
