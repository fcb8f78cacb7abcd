import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { attemptsOf, contactsOf, dispatcherEnv, privateDatabase, waitFinished } from "../dispatcher/support";
import { expectError, Rest, restFixture, restFor } from "../rest/support";
import { CreateDidDocument, DidDocument, DidsDocument, UpdateDidDocument } from "../generated/graphql";
import { gql } from "../support/graphql-client";
import { expectCountersTrue } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { CarrierStack, carrierProgram, startCarrierStack } from "./support";

// Caller IDs (DIDs) and the DID pool: the resource over REST and GraphQL, the errors, and rotation with local
// presence as real calls pick them (the simulator here; the carrier's own test checks fromNumber end to end).

describeEachDb("DIDs and the DID pool", (target) => {
  let app: App;
  let api: Rest;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateDatabase(target, "dids");
    drop = db.drop;
    app = await startTestApp({ databaseUrl: db.url, roles: "api,dispatcher", env: dispatcherEnv({ VOICECAST_SIM_CALL_MS: "20" }) });
    api = restFor(app, (await newOrg(app)).apiKey);
  });
  afterAll(async () => {
    await app?.stop();
    await drop();
  });

  it("the resource: create (country from the number), unique numbers, validation, 404s, inactive DIDs refused in a pool, in-use DIDs not deleted", async () => {
    const did = await api.ok("POST", "/dids", 201, { number: "+442071234567", description: "London" });
    expect(did).toMatchObject({ number: "+442071234567", country: "GB", status: "active", description: "London" });
    expectError(await api.post("/dids", { number: "+442071234567" }), 409, "DidAlreadyExistsError", "A DID with number +442071234567 already exists");
    expectError(await api.post("/dids", { number: "0207 123 4567" }), 400, "ValidationError", /number: must be an E\.164 phone number/);
    expectError(await api.post("/dids", { number: "+14155550100", country: "USA" }), 400, "ValidationError", /country: must be an ISO 3166 alpha-2/);
    expectError(await api.post("/dids", { number: "+14155550100", status: "paused" }), 400, "ValidationError", /status: must be active or inactive/);
    expectError(await api.get("/dids/00000000-0000-4000-8000-000000000000"), 404, "DidNotFoundError");
    expectError(await api.get("/dids/not-a-uuid"), 404, "DidNotFoundError");
    expectError(await api.patch("/dids/00000000-0000-4000-8000-000000000000", { description: "x" }), 404, "DidNotFoundError");
    // Another organization's DID is not ours.
    const other = restFor(app, (await newOrg(app)).apiKey);
    expectError(await other.get(`/dids/${did.id}`), 404, "DidNotFoundError");

    const off = await api.ok("POST", "/dids", 201, { number: "+14155550111", status: "inactive" });
    const fx = await restFixture(api, { count: 1 });
    expectError(await api.patch(`/programs/${fx.programId}`, { didPool: [did.id, off.id] }), 400, "DidNotActiveError", new RegExp(off.id));
    expectError(await api.patch(`/programs/${fx.programId}`, { didPool: ["00000000-0000-4000-8000-000000000000"] }), 404, "DidNotFoundError");
    expectError(await other.post("/programs", { name: "x", audienceId: fx.audienceId, flowId: fx.flowId, didPool: [did.id] }), 400, "ValidationError");
    expect((await api.ok("GET", `/programs/${fx.programId}`, 200)).didPool).toEqual([]);
    expect((await api.ok("PATCH", `/programs/${fx.programId}`, 200, { didPool: [did.id, did.id] })).didPool).toEqual([did.id]);
    expectError(await api.delete(`/dids/${did.id}`), 409, "ResourceInUseError");
    await api.ok("PATCH", `/programs/${fx.programId}`, 200, { didPool: [] });
    expect((await api.ok("DELETE", `/dids/${did.id}`, 200)).id).toBe(did.id);

    // The same over GraphQL.
    const base = `http://127.0.0.1:${app.port}`;
    const created = await gql(base, api.apiKey, CreateDidDocument, { input: { number: "+33612345678" } });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createDid).toMatchObject({ number: "+33612345678", country: "FR", status: "ACTIVE" });
    const dup = await gql(base, api.apiKey, CreateDidDocument, { input: { number: "+33612345678" } });
    expect(dup.errors?.[0].extensions?.code).toBe("DID_ALREADY_EXISTS");
    const missing = await gql(base, api.apiKey, UpdateDidDocument, { id: "00000000-0000-4000-8000-000000000000", input: { description: "x" } });
    expect(missing.errors?.[0].extensions?.code).toBe("DID_NOT_FOUND");
    expect((await gql(base, api.apiKey, DidDocument, { id: "00000000-0000-4000-8000-000000000000" })).data!.did).toBeNull();
    const listed = await gql(base, api.apiKey, DidsDocument, { limit: 100 });
    expect(listed.data!.dids.data.map((d) => d.number)).toContain("+33612345678");
  });

  it("rotation: each call takes the least recently used DID, preferring the callee's area code, then country, then any", async () => {
    const { organizationId } = await newOrg(app);
    const s = app.services.dids;
    const sf = [await s.createDid(organizationId, { number: "+14155550100" }), await s.createDid(organizationId, { number: "+14155550200" })];
    const ny = await s.createDid(organizationId, { number: "+12125550100" });
    const paris = await s.createDid(organizationId, { number: "+33612345600" });
    const callees = [
      ...Array.from({ length: 6 }, (_, i) => `+1415555${String(3000 + i).padStart(4, "0")}`), // San Francisco: the two 415 DIDs in turn
      "+13125550101", // Chicago: no 312 DID, a US one
      "+33698765401", // France: the French DID
      "+442071234561", // London: no GB DID, any
    ];
    const { programId } = await carrierProgram(app, organizationId, { phones: callees, didNumber: "+14155550999" });
    await app.services.programs.updateProgram(organizationId, programId, { didPool: [...sf.map((d) => d.id), ny.id, paris.id] });
    const execution = await app.services.executions.launch(organizationId, programId);
    await waitFinished(app, execution.id);
    const contacts = new Map((await contactsOf(app, execution.id)).map((c) => [c.contactId, c.phone]));
    const rows = await app.db.read((r) => r.query<{ contact_id: string; from_number: string; started_at: number }>("SELECT contact_id, from_number, started_at FROM call_attempts WHERE execution_id = ? ORDER BY started_at", [execution.id]));
    const from = new Map(rows.map((r) => [contacts.get(r.contact_id), r.from_number]));
    const sfUse = callees.slice(0, 6).map((c) => from.get(c));
    expect(sfUse.every((n) => n === "+14155550100" || n === "+14155550200")).toBe(true);
    // Every pick that could take either San Francisco DID took the less recently used one: they alternate.
    const uses = (n: string) => rows.filter((r) => r.from_number === n).length;
    expect(Math.abs(uses("+14155550100") - uses("+14155550200"))).toBeLessThanOrEqual(1);
    expect(["+14155550100", "+14155550200", "+12125550100"]).toContain(from.get("+13125550101"));
    expect(from.get("+33698765401")).toBe("+33612345600");
    expect([...sf.map((d) => d.number), ny.number, paris.number]).toContain(from.get("+442071234561"));
    await expectCountersTrue(app.db, execution.id);
  });

  it("without a pool the simulator shows +15005550006", async () => {
    const fx = await restFixture(api, { count: 2 });
    const { executionId } = await api.ok("POST", `/programs/${fx.programId}/launch`, 201);
    await waitFinished(app, executionId);
    const calls = await api.ok("GET", `/program-executions/${executionId}/calls`, 200);
    expect(calls.data.map((c: { fromNumber: string; providerCallId: string | null }) => [c.fromNumber, c.providerCallId])).toEqual([
      ["+15005550006", null],
      ["+15005550006", null],
    ]);
  });
});

describeEachDb("DID pool on a carrier", (target) => {
  let stack: CarrierStack;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateDatabase(target, "carrier_dids");
    drop = db.drop;
    stack = await startCarrierStack(db.url);
  });
  afterAll(async () => {
    await stack?.stop();
    await drop();
  });

  it("launch needs an active DID in the pool (EmptyDidPoolError), and carrier-playable audio; deactivating the last DID mid-run pauses", async () => {
    const { app, emulator } = stack;
    const { organizationId, apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    const fx = await restFixture(api, { count: 3 });
    expectError(await api.post(`/programs/${fx.programId}/launch`), 400, "EmptyDidPoolError", new RegExp(`Program ${fx.programId} has no active DID`));
    const did = await api.ok("POST", "/dids", 201, { number: "+14155550100" });
    await api.ok("PATCH", `/programs/${fx.programId}`, 200, { didPool: [did.id] });
    await api.ok("PATCH", `/dids/${did.id}`, 200, { status: "inactive" });
    expectError(await api.post(`/programs/${fx.programId}/launch`), 400, "EmptyDidPoolError");

    await api.ok("PATCH", `/dids/${did.id}`, 200, { status: "active" });
    const withFile = await api.ok("PUT", `/flows/${fx.flowId}`, 200, {
      name: "with a file",
      startNodeId: "dial",
      nodes: [
        { id: "dial", type: "dial", config: {}, outputs: { onAnswer: "p" } },
        { id: "p", type: "play", config: { audioItems: [{ type: "audioFile", audioId: "a1" }] }, outputs: { onComplete: "bye" } },
        { id: "bye", type: "hangup", config: {}, outputs: {} },
      ],
    });
    expect(withFile.version).toBe(2);
    expectError(await api.post(`/programs/${fx.programId}/launch`), 400, "ValidationError", /plays an audioFile item/);
    await api.ok("PUT", `/flows/${fx.flowId}`, 200, { name: "plain", startNodeId: "dial", nodes: [{ id: "dial", type: "dial", config: {}, outputs: {} }] });

    // Calls wait a while in the carrier; the only DID goes inactive mid-run: the next claim pauses the execution.
    emulator.setTiming({ callMs: 800 });
    const p2 = await carrierProgram(app, organizationId, { phones: ["+14155556001", "+14155556002", "+14155556003", "+14155556004"], maxConcurrentCalls: 2, didNumber: "+14155550177" });
    const { executionId } = await api.ok("POST", `/programs/${p2.programId}/launch`, 201);
    await api.ok("PATCH", `/dids/${p2.didId}`, 200, { status: "inactive" });
    const paused = await waitFinishedOrPaused(api, executionId);
    expect(paused).toMatchObject({ status: "paused" });
    emulator.setTiming({ callMs: null });
    expect((await attemptsOf(app, executionId)).length).toBeLessThanOrEqual(2);
    await expectCountersTrue(app.db, executionId);
  });
});

async function waitFinishedOrPaused(api: Rest, id: string) {
  for (let i = 0; i < 300; i++) {
    const e = await api.ok("GET", `/program-executions/${id}`, 200);
    if (e.status === "paused" && e.contactsInProgress === 0) return e;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the execution did not pause");
}
