import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import {
  AddDncNumbersDocument,
  DncNumberDocument,
  DncNumbersDocument,
  GetExecutionDocument,
  LaunchProgramDocument,
  OrganizationDocument,
  PauseExecutionDocument,
  ProgramPreviewDocument,
  RemoveDncNumberDocument,
  ResumeWithRulesDocument,
  UpdateOrganizationDocument,
  UpdateProgramRulesDocument,
} from "../generated/graphql";
import { createProgramFixture, phones } from "../support/fixtures";
import { gql, gqlOk } from "../support/graphql-client";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";

// The calling rules over GraphQL: the same services and rules as REST, the same error codes.
describeEachDb("calling rules over GraphQL", (target) => {
  let app: App;
  let base = "";

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
    base = `http://127.0.0.1:${app.port}`;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("organization settings, the do-not-call list, program rules, preview, and resume with new rules", async () => {
    const { apiKey, organizationId } = await newOrg(app);
    expect((await gqlOk(base, apiKey, OrganizationDocument)).organization).toMatchObject({ id: organizationId, timezone: "UTC", maxConcurrentCalls: null });
    expect((await gqlOk(base, apiKey, UpdateOrganizationDocument, { input: { timezone: "Australia/Sydney", maxConcurrentCalls: 7 } })).updateOrganization).toEqual({ timezone: "Australia/Sydney", maxConcurrentCalls: 7 });
    expect((await gqlOk(base, apiKey, UpdateOrganizationDocument, { input: { maxConcurrentCalls: null } })).updateOrganization).toEqual({ timezone: "Australia/Sydney", maxConcurrentCalls: null });
    const badZone = await gql(base, apiKey, UpdateOrganizationDocument, { input: { timezone: "Nowhere/Town" } });
    expect(badZone.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    expect(badZone.errors?.[0].message).toMatch(/timezone: must be an IANA time zone/);

    expect((await gqlOk(base, apiKey, AddDncNumbersDocument, { numbers: ["+14155550161", "+14155550162"], reason: "asked" })).addDncNumbers).toEqual({ added: 2, alreadyListed: 0 });
    const bad = await gql(base, apiKey, AddDncNumbersDocument, { numbers: ["+14155550163", "nope"] });
    expect(bad.errors?.[0].message).toMatch(/numbers\[1\]/);
    expect((await gqlOk(base, apiKey, DncNumbersDocument, { search: "+141555501" })).dncNumbers.meta.total).toBe(2);
    expect((await gqlOk(base, apiKey, DncNumberDocument, { number: "+14155550161" })).dncNumber).toEqual({ number: "+14155550161", source: "API" });
    expect((await gqlOk(base, apiKey, DncNumberDocument, { number: "+14155550169" })).dncNumber).toBeNull();
    expect((await gqlOk(base, apiKey, RemoveDncNumberDocument, { number: "+14155550162" })).removeDncNumber.number).toBe("+14155550162");
    expect((await gql(base, apiKey, RemoveDncNumberDocument, { number: "+14155550162" })).errors?.[0].extensions?.code).toBe("DNC_NUMBER_NOT_FOUND");

    const f = await createProgramFixture(app, organizationId, { phones: ["+14155550161", ...phones(3, 1, 9600)] });
    const rules = await gqlOk(base, apiKey, UpdateProgramRulesDocument, {
      id: f.programId,
      input: {
        pauseWindows: { monday: [{ startAt: { hour: 12, minute: 0 }, endAt: { hour: 14, minute: 30 } }], advanced: [{ startAt: "2031-01-01T00:00:00+01:00", endAt: "2031-01-02T00:00:00Z" }] },
        callingHours: { start: "08:00", end: "20:00", days: ["monday", "tuesday"] },
        autoPauseRules: [{ nodeId: "bye", threshold: 2 }],
      },
    });
    expect(rules.updateProgram).toMatchObject({
      pauseWindows: { monday: [{ startAt: { hour: 12, minute: 0 }, endAt: { hour: 14, minute: 30 } }], advanced: [{ startAt: "2030-12-31T23:00:00.000Z", endAt: "2031-01-02T00:00:00.000Z" }] },
      callingHours: { start: "08:00", end: "20:00", days: ["monday", "tuesday"] },
      autoPauseRules: [{ nodeId: "bye", threshold: 2, resetOnResume: false }],
    });
    const badRule = await gql(base, apiKey, UpdateProgramRulesDocument, { id: f.programId, input: { callingHours: { start: "20:00", end: "08:00" } } });
    expect(badRule.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    expect(badRule.errors?.[0].message).toMatch(/callingHours\.end: must be after start/);

    const preview = (await gqlOk(base, apiKey, ProgramPreviewDocument, { id: f.programId })).programPreview;
    expect(preview).toMatchObject({ totalContacts: 4, suppressed: 1 });

    // No dispatcher here: pause and resume by hand, with new rules on the resume.
    const launched = (await gqlOk(base, apiKey, LaunchProgramDocument, { programId: f.programId })).launchProgram;
    await gqlOk(base, apiKey, PauseExecutionDocument, { id: launched.id });
    const resumed = (await gqlOk(base, apiKey, ResumeWithRulesDocument, { id: launched.id, autoPauseRules: [{ nodeId: "bye", threshold: 9, resetOnResume: true }] })).resumeExecution;
    expect(resumed).toMatchObject({ status: "RUNNING", autoPauseRules: [{ nodeId: "bye", threshold: 9, resetOnResume: true }], nodeRunCounts: { bye: 0 } });
    expect(["RUNNING", "PAUSED_WINDOW"]).toContain(resumed.effectiveStatus);
    const unknownNode = await gql(base, apiKey, ResumeWithRulesDocument, { id: launched.id, autoPauseRules: [{ nodeId: "ghost", threshold: 1 }] });
    expect(unknownNode.errors).toBeUndefined(); // resuming a running execution is a repeat: nothing is checked or changed
    const e = (await gqlOk(base, apiKey, GetExecutionDocument, { id: launched.id })).programExecution!;
    expect(e.contactsSkipped).toBe(1); // the listed number, skipped at launch
  });
});
