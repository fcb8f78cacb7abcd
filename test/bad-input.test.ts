import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../src/app";
import {
  CreateFlowDocument,
  CreateProgramDocument,
  ListExecutionsDocument,
  ListProgramsDocument,
  UpsertContactsDocument,
} from "./generated/graphql";
import { createProgramFixture, SIMPLE_FLOW } from "./support/fixtures";
import { gql, GraphQLResponse } from "./support/graphql-client";
import { describeEachDb } from "./support/targets";
import { newOrg, startTestApp } from "./support/test-app";

/** Every row the organization owns, to prove a refused request wrote nothing. */
async function footprint(app: App, orgId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ["contacts", "audiences", "flows", "programs", "program_executions"]) {
    const rows = await app.db.read((r) => r.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE organization_id = ?`, [orgId]));
    out[table] = Number(rows[0].n);
  }
  return out;
}

function expectBadInput(r: GraphQLResponse<unknown>, ...fields: string[]) {
  expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  for (const f of fields) expect(r.errors?.[0]?.message).toContain(f);
}

describeEachDb("bad input", (target) => {
  let app: App;
  let url: string;
  let key: string;
  let orgId: string;
  let fixture: Awaited<ReturnType<typeof createProgramFixture>>;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
    url = `http://127.0.0.1:${app.port}`;
    ({ apiKey: key, organizationId: orgId } = await newOrg(app));
    fixture = await createProgramFixture(app, orgId, { phones: ["+14155550101"] });
  });
  afterAll(() => app?.stop());

  const check = async (fn: () => Promise<GraphQLResponse<unknown>>, ...fields: string[]) => {
    const before = await footprint(app, orgId);
    expectBadInput(await fn(), ...fields);
    expect(await footprint(app, orgId)).toEqual(before);
  };

  it("a non-E.164 phone", () => check(() => gql(url, key, UpsertContactsDocument, { contacts: [{ primaryPhone: "0612345678" }] }), "contacts[0].primaryPhone"));

  it("a bulk upsert with invalid rows among valid ones: nothing written, every bad row by index", async () => {
    const rows = [
      { primaryPhone: "+14155550130" },
      { primaryPhone: "+1415555013" },
      { primaryPhone: "+14155550131" },
      { primaryPhone: "+14155550132", primaryEmail: "not-an-email" },
      { primaryPhone: "+14155550130" },
    ];
    const before = await footprint(app, orgId);
    const r = await gql(url, key, UpsertContactsDocument, { contacts: rows });
    expectBadInput(r, "contacts[1].primaryPhone", "contacts[3].primaryEmail", "contacts[4].primaryPhone");
    const problems = r.errors![0].extensions!.problems!.map((p) => p.field);
    expect(problems).toEqual(["contacts[1].primaryPhone", "contacts[3].primaryEmail", "contacts[4].primaryPhone"]);
    expect(await footprint(app, orgId)).toEqual(before);
  });

  it("an unknown node type", () =>
    check(
      () =>
        gql(url, key, CreateFlowDocument, {
          input: { name: "f", startNodeId: "dial", nodes: [{ ...SIMPLE_FLOW.nodes[0] }, { id: "bye", type: "teleport", config: {}, outputs: {} }] },
        }),
      "nodes[1].type",
    ));

  it("an output pointing at a missing node", () =>
    check(
      () =>
        gql(url, key, CreateFlowDocument, {
          input: { name: "f", startNodeId: "dial", nodes: [{ ...SIMPLE_FLOW.nodes[0], outputs: { onAnswer: "nowhere" } }] },
        }),
      "nodes[0].outputs.onAnswer",
    ));

  it("an unreachable node", () =>
    check(
      () =>
        gql(url, key, CreateFlowDocument, {
          input: { name: "f", startNodeId: "dial", nodes: [...SIMPLE_FLOW.nodes, { id: "lost", type: "hangup", config: {}, outputs: {} }] },
        }),
      "nodes[2]",
      "unreachable",
    ));

  const program = (over: Record<string, unknown>) => ({
    name: "p",
    audienceId: fixture.audienceId,
    flowId: fixture.flowId,
    ...over,
  });

  it("a missing audience and a missing flow", () =>
    check(
      () =>
        gql(url, key, CreateProgramDocument, {
          input: program({ audienceId: "00000000-0000-4000-8000-000000000001", flowId: "00000000-0000-4000-8000-000000000002" }) as never,
        }),
      "audienceId",
      "flowId",
    ));

  it("negative maxRetries", () =>
    check(() => gql(url, key, CreateProgramDocument, { input: program({ retryStrategy: { type: "fixed_delay", delayMinutes: 5, maxRetries: -1 } }) as never }), "retryStrategy.maxRetries"));

  it("retryDates not in the future", () =>
    check(
      () => gql(url, key, CreateProgramDocument, { input: program({ retryStrategy: { type: "scheduled", retryDates: ["2020-01-01T00:00:00.000Z"] } }) as never }),
      "retryStrategy.retryDates[0]",
    ));

  it("retryDates not increasing", () => {
    const t = Date.now() + 86_400_000;
    return check(
      () =>
        gql(url, key, CreateProgramDocument, {
          input: program({ retryStrategy: { type: "scheduled", retryDates: [new Date(t + 1000).toISOString(), new Date(t).toISOString()] } }) as never,
        }),
      "retryStrategy.retryDates[1]",
    );
  });

  it("stopAt before startAt", () =>
    check(
      () =>
        gql(url, key, CreateProgramDocument, {
          input: program({ startAt: new Date(Date.now() + 7200_000).toISOString(), stopAt: new Date(Date.now() + 3600_000).toISOString() }) as never,
        }),
      "stopAt",
    ));

  it("maxConcurrentCalls 0", () => check(() => gql(url, key, CreateProgramDocument, { input: program({ maxConcurrentCalls: 0 }) as never }), "maxConcurrentCalls"));

  it("a page limit over 100, and a page below 1", async () => {
    expectBadInput(await gql(url, key, ListProgramsDocument, { limit: 101 }), "limit");
    expectBadInput(await gql(url, key, ListExecutionsDocument, { limit: 500 }), "limit");
    expectBadInput(await gql(url, key, ListProgramsDocument, { page: 0 }), "page");
  });

  it("a malformed GraphQL document is the client's error, not a server error", async () => {
    const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify({ query: "{ programs { nope } }" }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});
