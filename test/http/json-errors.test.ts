import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { expectJsonNoLeak, raw } from "./support";

// Errors outside the REST gateway: /graphql's own transport errors, unknown paths, and what Express or Apollo would
// answer with an HTML page (Express's error page carries a stack and the server's file paths).
describeEachDb("errors are JSON everywhere", (target) => {
  let app: App;
  let base: string;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
    base = `http://127.0.0.1:${app.port}`;
    key = (await newOrg(app)).apiKey;
  });
  afterAll(() => app?.stop());

  const post = (path: string, body: string, type = "application/json") =>
    raw(`${base}${path}`, { method: "POST", headers: { "content-type": type, "x-api-key": key }, body });

  it("a malformed JSON body on /graphql → 400 in GraphQL's shape, BAD_REQUEST, no stack or path", async () => {
    for (const body of ['{"query": ', "{'query': '{ __typename }'}", "[1, 2", '{"query": "{ __typename }"}}', "\u0000"]) {
      const r = await post("/graphql", body);
      expectJsonNoLeak(r);
      expect(r.status, r.text).toBe(400);
      expect(r.body.errors[0].extensions.code).toBe("BAD_REQUEST");
      expect(r.body.errors[0].message).toMatch(/^The request body is not valid JSON/);
    }
  });

  it("a /graphql request that is not a GraphQL request gets Apollo's JSON 400, never its HTML landing page", async () => {
    for (const r of [
      await raw(`${base}/graphql`, { headers: { accept: "text/html" } }),
      await raw(`${base}/graphql`, { headers: { accept: "text/html", "x-api-key": key } }),
      await post("/graphql", "query=%7B__typename%7D", "application/x-www-form-urlencoded"),
      await post("/graphql", "{ __typename }", "text/plain"),
      await post("/graphql", '{"query": 42}'),
      await post("/graphql", "null"),
      await raw(`${base}/graphql`, { method: "DELETE", headers: { "x-api-key": key } }),
    ]) {
      expectJsonNoLeak(r);
      expect(r.status, r.text).toBeGreaterThanOrEqual(400);
      expect(r.body.errors[0].extensions.code, r.text).toBeTruthy();
    }
  });

  it("an unknown path anywhere → JSON 404 NotFoundError", async () => {
    for (const [method, path] of [
      ["POST", "/"],
      ["GET", "/nope"],
      ["POST", "/graphql-not"],
      ["DELETE", "/healthz/x"],
      ["PUT", "/metrics/../../etc/passwd"],
      ["GET", "/dashboard-missing/index.html"],
    ]) {
      const r = await raw(`${base}${path}`, { method, headers: { "x-api-key": key } });
      expectJsonNoLeak(r);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body).toMatchObject({ error: "NotFoundError" });
    }
    // The one page this server serves is the dashboard (its own HTML), which `GET /` redirects to.
    const home = await fetch(`${base}/`, { redirect: "manual" });
    expect([home.status, home.headers.get("location")]).toEqual([302, "/dashboard/"]);
  });

  it("a path Express cannot decode → JSON 4xx, not its HTML error page", async () => {
    for (const path of ["/%E0%A4%A", "/api/programs/%E0%A4%A", "/graphql/%E0%A4%A"]) {
      const r = await raw(`${base}${path}`, { headers: { "x-api-key": key } });
      expectJsonNoLeak(r);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
    }
  });

  it("every response carries a request id; a plain incoming one is kept, anything else replaced", async () => {
    const kept = await raw(`${base}/healthz`, { headers: { "x-request-id": "trace-42.abc:7" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-42.abc:7");
    const replaced = await raw(`${base}/healthz`, { headers: { "x-request-id": "not ok <script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await raw(`${base}/nope`);
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
