import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { App, createApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { Rest, restFixture, restFor } from "../rest/support";
import { describeEachDb } from "../support/targets";
import { newOrg } from "../support/test-app";

type Line = Record<string, unknown> & { msg: string };

// The service's JSON log lines, as an operator's log shipper sees them: one per request, one per execution
// change, nothing secret.
describeEachDb("logs: request lines and execution lifecycle lines", (target) => {
  const lines: Line[] = [];
  const text: string[] = [];
  let app: App;
  let api: Rest;
  let org: { organizationId: string; apiKey: string };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split("\n").filter(Boolean)) {
          text.push(l);
          lines.push(JSON.parse(l));
        }
        done();
      },
    });
    const config = loadConfig({ DATABASE_URL: target.url(), PORT: "0", VOICECAST_ROLES: "api", VOICECAST_RATE_LIMIT: "0" });
    app = await createApp(config, { logger: pino({ level: "info" }, sink) });
    await app.start();
    org = await newOrg(app);
    api = restFor(app, org.apiKey);
  });
  afterAll(() => app?.stop());

  const requestLines = () => lines.filter((l) => l.msg === "request");

  it("one line per request: method, route template, status, duration and the request id returned to the client", async () => {
    const fx = await restFixture(api, { count: 2 });
    lines.length = 0;
    const res = await fetch(`http://127.0.0.1:${app.port}/api/programs/${fx.programId}`, { headers: { "x-api-key": org.apiKey, "x-request-id": "req-123" } });
    expect(res.headers.get("x-request-id")).toBe("req-123");
    await fetch(`http://127.0.0.1:${app.port}/api/programs/${fx.programId}`, { headers: { "x-api-key": "vc_wrong" } });
    await new Promise((r) => setTimeout(r, 50));
    const [ok, refused] = requestLines();
    expect(ok).toMatchObject({ level: 30, requestId: "req-123", method: "GET", route: "/api/programs/{id}", status: 200 });
    expect(typeof ok.durationMs).toBe("number");
    expect(refused).toMatchObject({ method: "GET", route: "/api/programs/{id}", status: 401 });
    expect(refused.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(ok).sort()).toEqual(["durationMs", "hostname", "level", "method", "msg", "pid", "requestId", "route", "status", "time"]);
  });

  it("one line per execution change, with its counters: launch, pause, resume, cancel and finish", async () => {
    const fx = await restFixture(api, { count: 3 });
    lines.length = 0;
    const { executionId } = await api.ok("POST", `/programs/${fx.programId}/launch`, 201);
    await api.ok("PATCH", `/program-executions/${executionId}/pause`, 200);
    await api.ok("PATCH", `/program-executions/${executionId}/pause`, 200); // no change, no line
    await api.ok("PATCH", `/program-executions/${executionId}/resume`, 200);
    await api.ok("DELETE", `/program-executions/${executionId}`, 200);
    const lifecycle = lines.filter((l) => l.executionId === executionId);
    expect(lifecycle.map((l) => [l.msg, l.status, l.finished])).toEqual([
      ["execution launched", "running", false],
      ["execution paused", "paused", false],
      ["execution running", "running", false],
      // Nothing was in a call: the cancel finishes it at once.
      ["execution finished", "cancelled", true],
    ]);
    expect(lifecycle[0]).toMatchObject({ programId: fx.programId, organizationId: org.organizationId, counters: { total: 3, pending: 3, completed: 0, failed: 0, inProgress: 0, skipped: 0 } });
    expect(lifecycle[3].counters).toEqual({ total: 3, completed: 0, failed: 0, pending: 0, inProgress: 0, skipped: 3 });
  });

  it("never logs a key, a phone number or a body", async () => {
    const phone = "+14155550199";
    await api.ok("POST", "/contact/upsert", 200, { data: [{ primaryPhone: phone, firstName: "Secretname" }] });
    await fetch(`http://127.0.0.1:${app.port}/api/contact?search=${encodeURIComponent(phone)}`, { headers: { authorization: `Bearer ${org.apiKey}` } });
    await fetch(`http://127.0.0.1:${app.port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": org.apiKey },
      body: JSON.stringify({ query: "mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { id } }", variables: { c: [{ primaryPhone: phone }] } }),
    });
    await new Promise((r) => setTimeout(r, 50));
    const all = text.join("\n");
    expect(all).toContain('"msg":"request"');
    for (const secret of [org.apiKey, phone, "4155550199", "Secretname", "x-api-key", "authorization"]) expect(all).not.toContain(secret);
  });
});
