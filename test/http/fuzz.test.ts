import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import {
  buildSchema,
  DefinitionNode,
  FragmentDefinitionNode,
  GraphQLInputType,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  OperationDefinitionNode,
  parse,
  print,
  typeFromAST,
  visit,
} from "graphql";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import type { App } from "../../src/app";
import { createProgramFixture } from "../support/fixtures";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { leaks } from "./support";

// Property-based fuzzing of every door: the REST routes (read from the served OpenAPI document, so the test follows
// the route table whatever shape the code takes), the GraphQL operations of test/graphql/*.graphql with variables
// that cannot be coerced plus malformed documents, and graphql-ws frames. Every generated request is bad by
// construction; none may get a 5xx, HTML, a stack, a file path or SQL, and none may change a row.

const REST_RUNS = 6000;
const GRAPHQL_RUNS = 3000;
const WS_RUNS = 1200;
const PATH_RUNS = 1000;
const ROOT = join(__dirname, "..", "..");

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Values that break parsers and validators: injection attempts, odd unicode, huge and tiny numbers. */
const nasty = fc.constantFrom(
  "",
  " ",
  "' OR '1'='1",
  "1; DROP TABLE programs; --",
  "../../../etc/passwd",
  "%00",
  "\u0000",
  "<script>alert(1)</script>",
  "{{7*7}}",
  "${jndi:ldap://x}",
  "💥".repeat(50),
  "a".repeat(5000),
  "00000000-0000-0000-0000-000000000000",
  "NaN",
  "-1",
  "1e309",
  "__proto__",
  "constructor",
);
const anyString = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), nasty);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nasty);
const notObject = fc.oneof(fc.array(anyJson, { maxLength: 3 }), anyString, fc.double(), fc.integer(), fc.boolean(), fc.constant(null));

/** A JSON value of another JSON type than any of `types` (the OpenAPI `type` of a property). */
function wrongType(types: string[]): fc.Arbitrary<unknown> {
  const all: Record<string, fc.Arbitrary<unknown>> = {
    string: anyString,
    integer: fc.integer(),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }),
    boolean: fc.boolean(),
    array: fc.array(anyJson, { maxLength: 3 }),
    object: fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { maxKeys: 3 }),
    null: fc.constant(null),
  };
  const exclude = new Set(types.flatMap((t) => (t === "number" ? ["number", "integer"] : t === "integer" ? ["integer"] : [t])));
  // An integer is also a number; a double may be whole: keep only types that can never pass for an allowed one.
  if (exclude.has("number")) exclude.add("integer");
  const options = Object.entries(all).filter(([t]) => !exclude.has(t) && !(t === "number" && exclude.has("integer")));
  return fc.oneof(...options.map(([, a]) => a));
}

describeEachDb("fuzz: bad requests through every door", (target) => {
  let app: App;
  let base: string;
  let doc: Json;
  let org: { organizationId: string; apiKey: string };
  let other: { organizationId: string; apiKey: string };
  const ids: { own: Record<string, string>; foreign: string[] } = { own: {}, foreign: [] };
  let schema: GraphQLSchema;
  let counts: () => Promise<Record<string, number>>;
  let before: Record<string, number>;
  let sent = 0;
  const statuses = new Map<string, number>();
  const tally = (door: string, status: number | string) => statuses.set(`${door} ${status}`, (statuses.get(`${door} ${status}`) ?? 0) + 1);
  const started = Date.now();

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url(), env: { VOICECAST_RATE_LIMIT: "0" } });
    base = `http://127.0.0.1:${app.port}`;
    org = await newOrg(app, "fuzzed");
    other = await newOrg(app, "bystander");
    const own = await createProgramFixture(app, org.organizationId);
    const execution = await app.services.executions.launch(org.organizationId, own.programId);
    ids.own = { program: own.programId, audience: own.audienceId, flow: own.flowId, contact: own.contactIds[0], execution: execution.id };
    const foreign = await createProgramFixture(app, other.organizationId);
    ids.foreign = [foreign.programId, foreign.audienceId, foreign.flowId, foreign.contactIds[0]];
    doc = await (await fetch(`${base}/api/openapi.json`)).json();
    schema = buildSchema(readFileSync(join(ROOT, "schema.graphql"), "utf8"));
    counts = async () => {
      const out: Record<string, number> = {};
      for (const table of ["contacts", "audiences", "flows", "programs", "program_executions"]) {
        for (const o of [org, other]) {
          const rows = await app.db.read((r) => r.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE organization_id = ?`, [o.organizationId]));
          out[`${o === org ? "fuzzed" : "bystander"}.${table}`] = Number(rows[0].n);
        }
      }
      const e = await app.db.read((r) => r.query<Json>("SELECT status, sequence_no FROM program_executions WHERE id = ?", [execution.id]));
      out["execution.sequence"] = Number(e[0].sequence_no);
      const members = await app.db.read((r) => r.query<{ n: number }>("SELECT COUNT(*) AS n FROM audience_contacts WHERE audience_id IN (?, ?)", [own.audienceId, foreign.audienceId]));
      out["audience_contacts"] = Number(members[0].n);
      return out;
    };
    before = await counts();
  });
  afterAll(async () => {
    if (before) expect(await counts(), "bad requests changed rows").toEqual(before);
    console.log(`fuzz [${target.name}]: ${sent} bad requests in ${((Date.now() - started) / 1000).toFixed(1)} s; answers: ${[...statuses].sort().map(([k, n]) => `${k}: ${n}`).join(", ")}`);
    await app?.stop();
  });

  /** The checks every answer must pass, whatever was sent. */
  function expectHarmless(what: string, status: number, type: string, text: string): void {
    const where = `${what} → ${status} ${text.slice(0, 300)}`;
    expect(status, where).toBeLessThan(500);
    expect(leaks(text), where).toBe(false);
    if (text.length > 0) expect(type, where).toMatch(/^application\/(graphql-response\+)?json/);
  }

  const resolve = (schemaOrRef: Json): Json => (schemaOrRef?.$ref ? doc.components.schemas[schemaOrRef.$ref.split("/").pop()] : schemaOrRef);

  it(`REST: ${REST_RUNS} bad requests over every route of the OpenAPI document`, async () => {
    const routes = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    expect(routes.length).toBeGreaterThan(20);
    const realId = fc.constantFrom(...Object.values(ids.own));
    const badId = fc.oneof(fc.uuid(), anyString, fc.constantFrom(...ids.foreign));

    const request = fc.constantFrom(...routes).chain(({ path, method, op }) => {
      const body = op.requestBody ? resolve(op.requestBody.content["application/json"].schema) : null;
      const typed = Object.entries((body?.properties ?? {}) as Record<string, Json>).filter(([, s]) => s.type);
      // With a body: a real id is safe, because the body is bad (a property of the wrong type, or not an object).
      const badBody: fc.Arbitrary<{ text: string; type: string }> = fc.oneof(
        notObject.map((v) => ({ text: JSON.stringify(v), type: "application/json" })),
        fc.constantFrom('{"name": ', "{'a': 1}", "[1, 2", "\u0000", "{}}", "nul").map((text) => ({ text, type: "application/json" })),
        fc.constant({ text: `${"[".repeat(5000)}${"]".repeat(5000)}`, type: "application/json" }),
        anyString.filter((text) => text.length > 0).map((text) => ({ text, type: "text/plain" })),
        ...(typed.length
          ? [
              fc
                .tuple(fc.constantFrom(...typed), fc.dictionary(fc.constantFrom(...Object.keys(body.properties)), anyJson, { maxKeys: 4 }))
                .chain(([[name, s], rest]) => wrongType(Array.isArray(s.type) ? s.type : [s.type]).map((bad) => ({ ...rest, [name]: bad })))
                .map((obj) => ({ text: JSON.stringify(obj), type: "application/json" })),
            ]
          : []),
      );
      const params = ((op.parameters ?? []) as Json[]).filter((p) => p.in === "query");
      const query = fc.dictionary(fc.constantFrom("page", "limit", "status", "contactId", ...params.map((p) => p.name)), fc.oneof(anyString, fc.integer().map(String)), { maxKeys: 3 });
      // A real id only goes with the route's own method and a bad body: a bodyless route (pause, cancel, delete),
      // or another method on the same path, would act on the real object.
      const own = fc.record({ method: fc.constant(method), path: (body ? fc.oneof(realId, badId) : badId).map((v) => path.replace("{id}", encodeURIComponent(String(v)))) });
      const otherMethod = fc.record({
        method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
        path: badId.map((v) => path.replace("{id}", encodeURIComponent(String(v)))),
      });
      return fc
        .record({
          // Without an id in the path (e.g. /organization), another method would be a real request on a real object.
          target: path.includes("{id}") ? fc.oneof({ weight: 9, arbitrary: own }, { weight: 1, arbitrary: otherMethod }) : own,
          body: body ? badBody : fc.option(badBody, { nil: undefined }),
          query,
          idempotencyKey: fc.option(anyString.filter((s) => /^[\x20-\x7e]*$/.test(s)), { nil: undefined }),
        })
        .map(({ target, ...r }) => ({ ...r, ...target, hasBodySchema: body !== null }));
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const url = `${base}${r.path}?${new URLSearchParams(r.query).toString()}`;
        const headers: Record<string, string> = { "x-api-key": org.apiKey };
        if (r.body) headers["content-type"] = r.body.type;
        if (r.idempotencyKey !== undefined) headers["idempotency-key"] = r.idempotencyKey;
        const sendBody = r.body && r.method !== "GET" && r.method !== "OPTIONS" ? r.body.text : undefined;
        const res = await fetch(url, { method: r.method, headers, body: sendBody });
        sent++;
        tally("REST", res.status);
        const text = await res.text();
        expectHarmless(`${r.method} ${r.path}`, res.status, res.headers.get("content-type") ?? "", text);
        if (res.status >= 400) expect(JSON.parse(text)).toMatchObject({ error: expect.any(String), message: expect.any(String) });
        // Reads with odd query parameters may well succeed; every write is refused.
        if (r.method !== "GET") expect(res.status, `${r.method} ${r.path} ${sendBody?.slice(0, 200)} → ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: REST_RUNS },
    );
  });

  it(`GraphQL: ${GRAPHQL_RUNS} operations with variables that cannot be coerced, and malformed documents`, async () => {
    const definitions: DefinitionNode[] = readdirSync(join(ROOT, "test", "graphql"))
      .filter((f) => f.endsWith(".graphql"))
      .flatMap((f) => parse(readFileSync(join(ROOT, "test", "graphql", f), "utf8")).definitions);
    const fragments = new Map(definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
    const operations = definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.operation !== "subscription");
    expect(operations.length).toBeGreaterThan(10);
    /** The operation with the fragments it uses, as one document. */
    const documentOf = (op: OperationDefinitionNode): string => {
      const used = new Set<string>();
      const walk = (node: Json) =>
        visit(node, {
          FragmentSpread(s) {
            if (used.has(s.name.value)) return;
            used.add(s.name.value);
            walk(fragments.get(s.name.value)!);
          },
        });
      walk(op);
      return [op, ...[...used].map((n) => fragments.get(n)!)].map((d) => print(d)).join("\n");
    };

    /** A value the variable's type can never accept. */
    const badValue = (type: GraphQLInputType): fc.Arbitrary<unknown> => {
      if (isNonNullType(type)) return fc.oneof(fc.constant(null), badValue(type.ofType));
      if (isListType(type)) return fc.array(badValue(type.ofType), { minLength: 1, maxLength: 3 });
      if (isEnumType(type)) return fc.oneof(anyString.filter((s) => !type.getValue(s)), fc.integer(), fc.boolean());
      if (isInputObjectType(type)) return fc.oneof(notObject.filter((v) => v !== null), fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { maxKeys: 3 }).map((o) => ({ ...o, __notAField: 1 })));
      if (isScalarType(type)) {
        switch (type.name) {
          case "String":
            return fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { minLength: 1, maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { minKeys: 1, maxKeys: 2 }));
          case "ID":
            return fc.oneof(fc.boolean(), fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }), fc.array(fc.string(), { minLength: 1, maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { minKeys: 1, maxKeys: 2 }));
          case "Int":
            return fc.oneof(anyString, fc.boolean(), fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }), fc.constant(2 ** 40), fc.constant(-(2 ** 40)));
          case "Float":
            return fc.oneof(anyString, fc.boolean(), fc.array(fc.integer(), { minLength: 1, maxLength: 2 }));
          case "Boolean":
            return fc.oneof(anyString, fc.integer(), fc.dictionary(fc.string(), fc.string(), { minKeys: 1, maxKeys: 2 }));
          case "JSONObject":
            return fc.oneof(fc.array(anyJson, { minLength: 1, maxLength: 2 }), fc.integer(), fc.boolean(), fc.string());
          default:
            // DateTimeISO and the like: text that is no date, or no text at all.
            return fc.oneof(anyString.filter((s) => Number.isNaN(Date.parse(s))), fc.boolean(), fc.array(fc.integer(), { minLength: 1, maxLength: 2 }));
        }
      }
      return fc.constant({ __unknownType: true });
    };

    const withVariables = operations.filter((op) => (op.variableDefinitions ?? []).length > 0);
    const badOperation = fc.constantFrom(...withVariables).chain((op) => {
      const defs = op.variableDefinitions!;
      return fc.nat({ max: defs.length - 1 }).chain((bad) =>
        fc
          .tuple(...defs.map((d, i) => (i === bad ? badValue(typeFromAST(schema, d.type as never) as GraphQLInputType) : fc.oneof(anyJson, fc.constantFrom(...Object.values(ids.own))))))
          .map((values) => ({ query: documentOf(op), variables: Object.fromEntries(defs.map((d, i) => [d.variable.name.value, values[i]])), mustFail: true })),
      );
    });
    const documents = operations.map(documentOf);
    const malformed = fc.oneof(
      fc.tuple(fc.constantFrom(...documents), fc.nat(), fc.nat()).map(([d, a, b]) => ({ query: d.slice(0, a % d.length) + d.slice((a % d.length) + (b % 5) + 1) })),
      fc.tuple(fc.constantFrom(...documents), fc.nat(), fc.constantFrom("{", "}", "(", ")", "$", "!", "@skip", "...", '"', "#", ":", "mutation")).map(([d, at, junk]) => ({
        query: d.slice(0, at % d.length) + junk + d.slice(at % d.length),
      })),
      anyString.map((query) => ({ query })),
      fc.record({ query: anyJson }),
      fc.record({ query: fc.constantFrom(...documents), variables: notObject.filter((v) => v !== null) }),
      fc.record({ query: fc.constantFrom(...documents), operationName: anyString.filter((n) => n !== "" && !operations.some((op) => op.name?.value === n)) }),
      fc.nat({ max: 300 }).map((n) => ({ query: `{ ${"programs { data { id } } ".repeat(1 + n)}}` })),
      fc.nat({ max: 200 }).map((n) => ({ query: `{${"a{".repeat(n)}b${"}".repeat(n)}}` })),
    );

    // Bodies that are no GraphQL request at all: broken JSON, other media types, browsers asking for a page.
    const transport = fc.record({
      raw: fc.oneof(anyString, fc.constantFrom(...documents), fc.constantFrom('{"query": ', "{'query': '{ __typename }'}", "[1,", "{}}", '{"query":"{ __typename }"}}')),
      type: fc.constantFrom("application/json", "application/graphql", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/json; charset=latin1"),
      accept: fc.constantFrom("*/*", "text/html", "application/graphql-response+json", "application/json, text/html;q=0.9", "image/png"),
    });

    await fc.assert(
      fc.asyncProperty(fc.oneof(badOperation, malformed, transport), fc.boolean(), async ({ mustFail, raw, type, accept, ...body }: Json, viaGet) => {
        let res: Response;
        if (raw !== undefined) {
          res = viaGet
            ? await fetch(`${base}/graphql?query=${encodeURIComponent(raw)}`, { headers: { accept, "x-api-key": org.apiKey } })
            : await fetch(`${base}/graphql`, { method: "POST", headers: { "content-type": type, accept, "x-api-key": org.apiKey }, body: raw });
        } else if (viaGet && typeof body.query === "string" && !/^\s*mutation/.test(body.query)) {
          const params = new URLSearchParams({ query: body.query, ...("variables" in body ? { variables: JSON.stringify(body.variables) } : {}) });
          res = await fetch(`${base}/graphql?${params}`, { headers: { "x-api-key": org.apiKey } });
        } else {
          res = await fetch(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": org.apiKey }, body: JSON.stringify(body) });
        }
        sent++;
        tally("GraphQL", res.status);
        const text = await res.text();
        expectHarmless(`GraphQL ${JSON.stringify(body).slice(0, 200)}`, res.status, res.headers.get("content-type") ?? "", text);
        const json = JSON.parse(text || "{}");
        // A mangled document may still be a valid query; variables that cannot be coerced never run.
        if (mustFail) expect(json.errors?.length, text.slice(0, 300)).toBeGreaterThan(0);
        for (const e of json.errors ?? []) expect(e.extensions?.code, text.slice(0, 300)).not.toBe("INTERNAL_SERVER_ERROR");
      }),
      { numRuns: GRAPHQL_RUNS },
    );
  });

  it(`any path: ${PATH_RUNS} requests to paths and methods nobody serves`, async () => {
    const segment = fc.oneof(fc.webSegment(), nasty.map(encodeURIComponent), fc.constantFrom("api", "graphql", "metrics", "healthz", "readyz", "telephony", "..", "%2e%2e", "%E0%A4%A"));
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);
    // The dashboard's pages (and `GET /`, which redirects there) are the one thing served as HTML. Paths as the
    // client sends them, after URL normalisation ("/a/%2e%2e/" is "/", and so is "//").
    const served = ["/healthz", "/readyz", "/metrics", "/graphql", "/api/openapi.json"];
    const elsewhere = path.filter((p) => {
      const normal = new URL(`http://x${p}`).pathname.replace(/\/{2,}/g, "/");
      return !/^\/(dashboard(\/|$)|$)/.test(normal) && !served.includes(normal.replace(/\/$/, ""));
    });
    await fc.assert(
      fc.asyncProperty(elsewhere, fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"), fc.option(anyString, { nil: undefined }), fc.boolean(), async (p, method, body, withKey) => {
        const res = await fetch(`${base}${p}`, {
          method,
          redirect: "manual",
          headers: { accept: "text/html", ...(withKey ? { "x-api-key": org.apiKey } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          body: method === "GET" || method === "OPTIONS" ? undefined : body,
        });
        sent++;
        tally("path", res.status);
        expectHarmless(`${method} ${p}`, res.status, res.headers.get("content-type") ?? "", await res.text());
        if (method !== "GET") expect(res.status, `${method} ${p}`).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: PATH_RUNS },
    );
  });

  it(`WebSocket: ${WS_RUNS} connections sent malformed graphql-ws frames and bad subscribe payloads`, async () => {
    const subscription = "subscription($id: ID!) { executionProgress(executionId: $id) { id status } }";
    const operations = [
      subscription,
      "subscription($p: ID) { executionsChanged(programId: $p) { id status } }",
      "query($id: ID!) { programExecution(id: $id) { id } }",
      'mutation { createAudience(input: { name: 5 }) { id } }',
      "subscription { executionsChanged { id } executionProgress(executionId: 1) { id } }",
      `subscription { ${"executionsChanged { id } ".repeat(3)}}`,
      "subscription { executionProgress { id } }",
    ];
    // Frames graphql-ws accepts as messages, with bad contents: the server must answer each on its own operation.
    const badSubscribe = fc
      .record({
        id: fc.string({ minLength: 1, maxLength: 8 }),
        query: fc.oneof(anyString, fc.constantFrom(...operations), fc.constantFrom(...operations).chain((q) => fc.nat().map((n) => q.slice(0, n % q.length)))),
        variables: fc.oneof(
          fc.constant(undefined),
          fc.constant(null),
          fc.record({ id: fc.oneof(fc.uuid(), anyString, fc.constantFrom(...ids.foreign), fc.boolean(), fc.integer()), p: fc.oneof(anyJson, fc.uuid()) }),
        ),
        operationName: fc.option(anyString, { nil: undefined }),
      })
      .map(({ id, ...payload }) => JSON.stringify({ type: "subscribe", id, payload }));
    // Frames that break the protocol: the server closes the socket (4400 and the like).
    const garbage = fc.oneof(
      anyString,
      anyJson.map((v) => JSON.stringify(v)),
      fc.record({ type: anyString, id: fc.option(anyString), payload: fc.option(anyJson) }).map((v) => JSON.stringify(v)),
      fc.record({ type: fc.constant("subscribe"), id: fc.oneof(anyString, fc.integer()), payload: anyJson }).map((v) => JSON.stringify(v)),
      fc.constantFrom('{"type":"connection_init"}', '{"type":"complete","id":"nope"}', '{"type":"pong"}', "{", "\u0000", "null"),
    );
    const frame = fc.oneof({ weight: 3, arbitrary: badSubscribe }, { weight: 1, arbitrary: garbage });

    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const received: string[] = [];
        const socket = new WebSocket(`ws://127.0.0.1:${app.port}/graphql`, "graphql-transport-ws");
        const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
        await new Promise<void>((resolve, reject) => {
          socket.once("open", () => resolve());
          socket.once("error", reject);
        });
        socket.on("message", (data) => received.push(String(data)));
        const acked = new Promise<void>((resolve) => socket.on("message", (d) => String(d).includes('"connection_ack"') && resolve()));
        socket.send(JSON.stringify({ type: "connection_init", payload: { "x-api-key": org.apiKey } }));
        await Promise.race([acked, closed]);
        for (const f of frames) {
          if (socket.readyState !== WebSocket.OPEN) break;
          socket.send(f);
          sent++;
        }
        // A ping answered (or the socket closed by the server) means every frame before it was handled.
        if (socket.readyState === WebSocket.OPEN) {
          const ponged = new Promise<void>((resolve) => socket.on("message", (d) => String(d).includes('"pong"') && resolve()));
          socket.send('{"type":"ping"}');
          await Promise.race([ponged, closed]);
        }
        socket.close(1000);
        const code = await closed;
        tally("WebSocket close", code);
        expect([1000, 1005, 1013, 4400, 4401, 4403, 4409, 4429], `closed ${code} after ${JSON.stringify(frames).slice(0, 300)}`).toContain(code);
        for (const m of received) {
          expect(leaks(m), `${m} after ${JSON.stringify(frames).slice(0, 300)}`).toBe(false);
          const msg = JSON.parse(m);
          if (msg.type === "error") {
            for (const e of msg.payload) {
              expect(e.extensions?.code, m).not.toBe("INTERNAL_SERVER_ERROR");
              tally("WebSocket error", e.extensions?.code);
            }
          }
        }
      }),
      { numRuns: WS_RUNS },
    );
    // Still serving after all that.
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});
