import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../src/app";
import {
  AddContactsToAudienceDocument,
  CancelExecutionDocument,
  GetAudienceDocument,
  GetContactDocument,
  GetExecutionDocument,
  GetFlowDocument,
  GetProgramDocument,
  LaunchProgramDocument,
  ListCallAttemptsDocument,
  ListExecutionContactsDocument,
  ListExecutionsDocument,
  ListProgramsDocument,
  PauseExecutionDocument,
  ResumeExecutionDocument,
  UpdateProgramDocument,
} from "./generated/graphql";
import { createProgramFixture } from "./support/fixtures";
import { gql, gqlOk } from "./support/graphql-client";
import { describeEachDb } from "./support/targets";
import { newOrg, startTestApp } from "./support/test-app";

describeEachDb("tenancy", (target) => {
  let app: App;
  let url: string;
  let a: { organizationId: string; apiKey: string };
  let b: { organizationId: string; apiKey: string };

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
    url = `http://127.0.0.1:${app.port}`;
    a = await newOrg(app, "A");
    b = await newOrg(app, "B");
  });
  afterAll(() => app?.stop());

  it("organization B cannot read, launch, pause, change or list organization A's objects", async () => {
    const f = await createProgramFixture(app, a.organizationId);
    const e = (await gqlOk(url, a.apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
    const asB = <R, V>(doc: Parameters<typeof gql<R, V>>[2], vars: V) => gql(url, b.apiKey, doc, vars);

    expect((await asB(GetExecutionDocument, { id: e.id })).data?.programExecution).toBeNull();
    expect((await asB(GetProgramDocument, { id: f.programId })).data?.program).toBeNull();
    expect((await asB(GetAudienceDocument, { id: f.audienceId })).data?.audience).toBeNull();
    expect((await asB(GetFlowDocument, { id: f.flowId })).data?.flow).toBeNull();
    expect((await asB(GetContactDocument, { id: f.contactIds[0] })).data?.contact).toBeNull();

    expect((await asB(LaunchProgramDocument, { programId: f.programId })).errors?.[0]?.extensions?.code).toBe("PROGRAM_NOT_FOUND");
    expect((await asB(PauseExecutionDocument, { id: e.id })).errors?.[0]?.extensions?.code).toBe("EXECUTION_NOT_FOUND");
    expect((await asB(ResumeExecutionDocument, { id: e.id })).errors?.[0]?.extensions?.code).toBe("EXECUTION_NOT_FOUND");
    expect((await asB(CancelExecutionDocument, { id: e.id })).errors?.[0]?.extensions?.code).toBe("EXECUTION_NOT_FOUND");
    expect((await asB(UpdateProgramDocument, { id: f.programId, input: { name: "x" } })).errors?.[0]?.extensions?.code).toBe("PROGRAM_NOT_FOUND");
    expect((await asB(ListExecutionContactsDocument, { executionId: e.id })).errors?.[0]?.extensions?.code).toBe("EXECUTION_NOT_FOUND");
    expect((await asB(ListCallAttemptsDocument, { executionId: e.id })).errors?.[0]?.extensions?.code).toBe("EXECUTION_NOT_FOUND");

    // B's own audience cannot take A's contacts.
    const bf = await createProgramFixture(app, b.organizationId, { phones: ["+14155550120"] });
    const add = await asB(AddContactsToAudienceDocument, { audienceId: bf.audienceId, contactIds: [f.contactIds[0]] });
    expect(add.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");

    const lists = (await asB(ListExecutionsDocument, { programId: f.programId })).data!.programExecutions;
    expect(lists.meta.total).toBe(0);
    const all = (await asB(ListExecutionsDocument, {})).data!.programExecutions;
    expect(all.data.map((x) => x.id)).not.toContain(e.id);
    const programs = (await asB(ListProgramsDocument, {})).data!.programs;
    expect(programs.data.map((p) => p.id)).toEqual([bf.programId]);

    // A's execution is untouched.
    const still = (await gqlOk(url, a.apiKey, GetExecutionDocument, { id: e.id })).programExecution!;
    expect(still.status).toBe("RUNNING");
    expect(still.sequence).toBe(e.sequence);
  });

  it("refuses a missing, unknown or revoked key with UNAUTHENTICATED and 401", async () => {
    const none = await gql(url, null, GetExecutionDocument, { id: "x" });
    expect(none.status).toBe(401);
    expect(none.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const wrong = await gql(url, "vc_wrong", GetExecutionDocument, { id: "x" });
    expect(wrong.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    const extra = await app.services.organizations.createApiKey(a.organizationId);
    expect((await gql(url, extra.apiKey, ListProgramsDocument, {})).status).toBe(200);
    await app.services.organizations.revokeApiKey(extra.apiKeyId);
    const revoked = await gql(url, extra.apiKey, ListProgramsDocument, {});
    expect(revoked.status).toBe(401);
    expect(revoked.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("accepts Authorization: Bearer and GraphQL GET queries with only the x-api-key header", async () => {
    const query = encodeURIComponent("{ programs(limit: 1) { meta { page limit } } }");
    const get = await fetch(`${url}/graphql?query=${query}`, { headers: { "x-api-key": a.apiKey } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { programs: { meta: { page: 1, limit: 1 } } } });
    const bearer = await fetch(`${url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${a.apiKey}` } });
    expect(bearer.status).toBe(200);
  });
});
