import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { App } from "../../src/app";
import { MAX_COST, MAX_DEPTH } from "../../src/http/graphql-limits";
import { MAX_OPERATIONS_PER_CONNECTION } from "../../src/http/graphql-ws";
import { MAX_BODY_BYTES } from "../../src/http/server";
import { phones } from "../support/fixtures";
import { describeEachDb, SERVER_REDIS_URL } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { Recorder, wsClient } from "../subscriptions/support";
import { expectJsonNoLeak, raw } from "./support";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The organization's audiences: proof that a refused request created nothing. */
async function audiences(app: App, organizationId: string): Promise<number> {
  const rows = await app.db.read((r) => r.query<{ n: number }>("SELECT COUNT(*) AS n FROM audiences WHERE organization_id = ?", [organizationId]));
  return Number(rows[0].n);
}

async function contacts(app: App, organizationId: string): Promise<number> {
  const rows = await app.db.read((r) => r.query<{ n: number }>("SELECT COUNT(*) AS n FROM contacts WHERE organization_id = ?", [organizationId]));
  return Number(rows[0].n);
}

/** Lets the limiter's one-second window of every key expire, so the next burst starts a window of its own. */
async function freshSecond(): Promise<void> {
  await sleep(1100);
}

const createAudience = (name: string) => `mutation { createAudience(input: { name: "${name}" }) { id } }`;

describeEachDb("limits: per-key request rate", (target) => {
  const LIMIT = 5;
  let app: App;
  let base: string;
  let org: { organizationId: string; apiKey: string };

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url(), env: { VOICECAST_RATE_LIMIT: String(LIMIT) } });
    base = `http://127.0.0.1:${app.port}`;
    org = await newOrg(app);
  });
  afterAll(() => app?.stop());

  const rest = (key: string, method: string, path: string, body?: unknown) =>
    raw(`${base}/api${path}`, { method, headers: { "x-api-key": key, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });

  it("REST: over the limit → 429 RateLimitedError with Retry-After, and the refused requests wrote nothing", async () => {
    const before = await audiences(app, org.organizationId);
    await freshSecond();
    const results = await Promise.all(Array.from({ length: 3 * LIMIT }, (_, i) => rest(org.apiKey, "POST", "/audience", { name: `burst ${i}` })));
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 429);
    expect(created.length + refused.length, JSON.stringify(results.map((r) => r.status))).toBe(results.length);
    expect(created.length).toBeLessThanOrEqual(LIMIT);
    expect(refused.length).toBeGreaterThanOrEqual(2 * LIMIT);
    for (const r of refused) {
      expectJsonNoLeak(r);
      expect(r.body).toMatchObject({ error: "RateLimitedError" });
      expect(r.body.message).toMatch(/at most 5 per second per API key/);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect(await audiences(app, org.organizationId)).toBe(before + created.length);
  });

  it("the budget is per key: another key is served meanwhile, and the limited key again after Retry-After", async () => {
    const other = await newOrg(app, "other");
    await freshSecond();
    const burst = await Promise.all(Array.from({ length: 3 * LIMIT }, () => rest(org.apiKey, "GET", "/programs")));
    const refused = burst.find((r) => r.status === 429)!;
    expect(refused).toBeDefined();
    expect((await rest(other.apiKey, "GET", "/programs")).status).toBe(200);
    await sleep(Number(refused.headers.get("retry-after")) * 1000);
    expect((await rest(org.apiKey, "GET", "/programs")).status).toBe(200);
  });

  it("GraphQL over HTTP: over the limit → 429 RATE_LIMITED with Retry-After, and the refused mutations ran nothing", async () => {
    const before = await audiences(app, org.organizationId);
    await freshSecond();
    const results = await Promise.all(
      Array.from({ length: 3 * LIMIT }, (_, i) =>
        raw(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": org.apiKey }, body: JSON.stringify({ query: createAudience(`gql ${i}`) }) }),
      ),
    );
    const ok = results.filter((r) => r.status === 200 && r.body.data?.createAudience?.id);
    const refused = results.filter((r) => r.status === 429);
    expect(ok.length + refused.length).toBe(results.length);
    expect(refused.length).toBeGreaterThanOrEqual(2 * LIMIT);
    for (const r of refused) {
      expectJsonNoLeak(r);
      expect(r.body.errors[0].extensions.code).toBe("RATE_LIMITED");
      expect(r.body.data).toBeUndefined();
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect(await audiences(app, org.organizationId)).toBe(before + ok.length);
  });

  it("WebSocket: a subscription flood from one key is refused on those operations (RATE_LIMITED), the socket stays usable", async () => {
    await freshSecond();
    const client = wsClient(app.port!, org.apiKey);
    try {
      const recorders = Array.from({ length: 4 * LIMIT }, () => new Recorder(client, "subscription { executionsChanged { id } }", {}));
      await sleep(500);
      const refused = recorders.filter((r) => r.errors.some((e) => e.extensions?.code === "RATE_LIMITED"));
      expect(refused.length, JSON.stringify(recorders.map((r) => r.errors))).toBeGreaterThanOrEqual(2 * LIMIT);
      for (const r of refused) expect(r.events).toEqual([]);
      // The ones that were served are live: a launch reaches them.
      await sleep(1100);
      const served = recorders.filter((r) => r.outcome === null);
      expect(served.length).toBeGreaterThan(0);
      const { programId } = await (async () => {
        const c = await app.services.contacts.upsertContacts(org.organizationId, [{ primaryPhone: phones(1, 1, 70_000)[0] }]);
        const a = await app.services.audiences.createAudience(org.organizationId, { name: "ws" });
        await app.services.audiences.addContacts(org.organizationId, a.id, [c[0].id]);
        const f = await app.services.flows.createFlow(org.organizationId, {
          name: "f",
          startNodeId: "dial",
          nodes: [{ id: "dial", type: "dial", config: {}, outputs: {} }],
        });
        return { programId: (await app.services.programs.createProgram(org.organizationId, { name: "ws", audienceId: a.id, flowId: f.id })).id };
      })();
      const execution = await app.services.executions.launch(org.organizationId, programId);
      await served[0].until((r) => r.events.length > 0, "the launch on a served subscription", 10_000);
      await app.services.executions.cancel(org.organizationId, execution.id);
      for (const r of recorders) r.dispose();
    } finally {
      await client.dispose();
    }
  });

  it.skipIf(!SERVER_REDIS_URL)("with Redis the budget is shared by every API process", async () => {
    const prefix = `vctest-${randomUUID().slice(0, 8)}:`;
    const env = { VOICECAST_RATE_LIMIT: String(LIMIT), REDIS_URL: SERVER_REDIS_URL!, VOICECAST_REDIS_PREFIX: prefix };
    const a = await startTestApp({ databaseUrl: target.url(), env });
    const b = await startTestApp({ databaseUrl: target.url(), env });
    try {
      const key = (await newOrg(a)).apiKey;
      await freshSecond();
      // Spent on process B (counted before the key is checked) …
      // (401 on SQLite, where B has a database of its own; 200 on MariaDB, where both share one).
      for (let i = 0; i < LIMIT; i++) expect([200, 401]).toContain((await raw(`http://127.0.0.1:${b.port}/api/programs`, { headers: { "x-api-key": key } })).status);
      // … so process A refuses it within the same second.
      const r = await raw(`http://127.0.0.1:${a.port}/api/programs`, { headers: { "x-api-key": key } });
      expect(r.status).toBe(429);
      expect(r.body.error).toBe("RateLimitedError");
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describeEachDb("limits: depth, cost, open operations and body size", (target) => {
  let app: App;
  let base: string;
  let org: { organizationId: string; apiKey: string };

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url(), env: { VOICECAST_RATE_LIMIT: "0" } });
    base = `http://127.0.0.1:${app.port}`;
    org = await newOrg(app);
  });
  afterAll(() => app?.stop());

  const graphql = (query: string, variables?: unknown) =>
    raw(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": org.apiKey }, body: JSON.stringify({ query, variables }) });

  /** Selections nested `depth` levels below the root field (graphql-depth-limit's count). */
  const nested = (root: string, depth: number) => `${root} { ${"a { ".repeat(depth - 1)}b${" }".repeat(depth - 1)} }`;
  /** `n` aliased mutations in one document. */
  const mutations = (n: number, tag: string) => `mutation { ${Array.from({ length: n }, (_, i) => `m${i}: createAudience(input: { name: "${tag} ${i}" }) { id }`).join(" ")} }`;

  /** Opens a socket, subscribes once with `query`, answers the errors it got. */
  async function wsErrors(query: string): Promise<Array<{ message: string; extensions?: { code?: string } }>> {
    const client = wsClient(app.port!, org.apiKey);
    try {
      const r = new Recorder(client, query, {});
      await r.ended(10_000);
      return r.errors;
    } finally {
      await client.dispose();
    }
  }

  it(`a document nested deeper than ${MAX_DEPTH} levels is refused before it runs (400 GRAPHQL_VALIDATION_FAILED), over HTTP and WebSocket`, async () => {
    const before = await audiences(app, org.organizationId);
    const deep = `mutation { ${nested('createAudience(input: { name: "deep" })', MAX_DEPTH + 1)} }`;
    const r = await graphql(deep);
    expectJsonNoLeak(r);
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { message: string }) => e.message)).toContain(`'' exceeds maximum operation depth of ${MAX_DEPTH}`);
    expect(r.body.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const overWs = await wsErrors(`subscription { ${nested("executionsChanged", MAX_DEPTH + 1)} }`);
    expect(overWs.map((e) => e.message)).toContain(`'' exceeds maximum operation depth of ${MAX_DEPTH}`);
    expect(overWs[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(await audiences(app, org.organizationId)).toBe(before);
  });

  it(`a document costlier than ${MAX_COST} is refused before it runs: none of its mutations is applied`, async () => {
    const before = await audiences(app, org.organizationId);
    const r = await graphql(mutations(100, "costly"));
    expectJsonNoLeak(r);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(r.body.errors[0].message).toMatch(/too costly: estimated 10200, more than the limit of 10000/);
    expect(r.body.data).toBeUndefined();
    // Pages cost their limit (a variable counts as well): eight full pages of a dozen fields are too much.
    const fields = "id programId status totalContacts contactsCompleted contactsFailed contactsPending contactsInProgress contactsSkipped createdAt updatedAt sequence";
    const pages = `query($n: Int) { ${[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `p${i}: programExecutions(limit: $n, page: ${i}) { data { ${fields} } }`).join(" ")} }`;
    expect((await graphql(pages, { n: 100 })).status).toBe(400);
    expect((await graphql(pages, { n: 10 })).status).toBe(200);
    // Over the WebSocket too.
    const overWs = await wsErrors(mutations(100, "costly ws"));
    expect(overWs[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(await audiences(app, org.organizationId)).toBe(before);
    // Just under the limit runs.
    const under = await graphql(mutations(90, "under"));
    expect(under.status).toBe(200);
    expect(await audiences(app, org.organizationId)).toBe(before + 90);
  });

  it(`one socket may hold ${MAX_OPERATIONS_PER_CONNECTION} operations open; the next is refused with RATE_LIMITED`, async () => {
    const client = wsClient(app.port!, org.apiKey);
    try {
      const open = Array.from({ length: MAX_OPERATIONS_PER_CONNECTION }, () => new Recorder(client, "subscription { executionsChanged { id } }", {}));
      await sleep(500);
      expect(open.filter((r) => r.outcome !== null)).toEqual([]);
      const extra = new Recorder(client, "subscription { executionsChanged { id } }", {});
      await extra.ended(5000);
      expect(extra.errors[0].extensions?.code).toBe("RATE_LIMITED");
      expect(extra.errors[0].message).toMatch(/at most 100 operations may be open on one connection/);
      // Closing one makes room again.
      open[0].dispose();
      await sleep(200);
      const again = new Recorder(client, "subscription { executionsChanged { id } }", {});
      await sleep(300);
      expect(again.outcome).toBeNull();
      for (const r of [...open, again]) r.dispose();
    } finally {
      await client.dispose();
    }
  });

  it("a body over 10 MB → 413 PayloadTooLargeError on every route, /graphql included, and nothing is written", async () => {
    const before = await contacts(app, org.organizationId);
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ primaryPhone: phones(1, undefined, 80_000 + i)[0], customAttributes: { pad: "x".repeat(1100) } }));
    const big = JSON.stringify({ data: rows });
    expect(big.length).toBeGreaterThan(MAX_BODY_BYTES);
    const bigGraphQL = JSON.stringify({ query: "mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { id } }", variables: { c: rows } });
    const headers = { "content-type": "application/json", "x-api-key": org.apiKey };
    for (const [path, body] of [
      ["/api/contact/upsert", big],
      ["/api/programs", big],
      ["/api/nowhere", big],
      ["/elsewhere", big],
      ["/graphql", bigGraphQL],
    ]) {
      const r = await raw(`${base}${path}`, { method: "POST", headers, body });
      expectJsonNoLeak(r);
      expect(r.status, `${path}: ${r.text.slice(0, 200)}`).toBe(413);
      if (path === "/graphql") expect(r.body.errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
      else expect(r.body.error).toBe("PayloadTooLargeError");
    }
    // Without a Content-Length (chunked), the JSON parser stops at the limit.
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < big.length; i += 1 << 20) controller.enqueue(new TextEncoder().encode(big.slice(i, i + (1 << 20))));
        controller.close();
      },
    });
    const r = await fetch(`${base}/api/contact/upsert`, { method: "POST", headers, body: chunked, duplex: "half" } as RequestInit);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toBe("PayloadTooLargeError");
    expect(await contacts(app, org.organizationId)).toBe(before);
  });
});

describe("limits: WebSocket frames", () => {
  let app: App;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: `sqlite::memory:`, env: { VOICECAST_RATE_LIMIT: "3" } });
    key = (await newOrg(app)).apiKey;
  });
  afterAll(() => app?.stop());

  it("connection_init counts against the key's rate: a reconnect flood is closed with 1013 (try again later)", async () => {
    await freshSecond();
    const codes = await Promise.all(
      Array.from({ length: 8 }, () => {
        const socket = new WebSocket(`ws://127.0.0.1:${app.port}/graphql`, "graphql-transport-ws");
        return new Promise<number>((resolve) => {
          socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { "x-api-key": key } })));
          socket.on("message", () => socket.close(1000));
          socket.on("close", (code) => resolve(code));
        });
      }),
    );
    expect(codes.filter((c) => c === 1013).length, JSON.stringify(codes)).toBeGreaterThanOrEqual(5);
    expect(codes.filter((c) => c === 1000).length).toBeLessThanOrEqual(3);
  });
});
