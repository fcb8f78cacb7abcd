import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../src/app";
import { DomainError } from "../src/shared/errors";
import { phones, SIMPLE_FLOW } from "./support/fixtures";
import { describeServerDb, SERVER_DB_URL } from "./support/targets";
import { newOrg, startTestApp } from "./support/test-app";

const ROUNDS = 40;

/** The error code a settled call failed with, "ok" when it succeeded. */
function codeOf(r: PromiseSettledResult<unknown>): string {
  if (r.status === "fulfilled") return "ok";
  if (r.reason instanceof DomainError) return r.reason.code;
  throw r.reason; // anything else (a foreign-key or SQL error) is a failure of the test
}

const jitter = () => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 4)));

// Launch reads the program inside its transaction under the program's row lock, and update, archive and delete take
// the same lock, so on MariaDB (many connections at once) they serialise: the second one sees the first.
describeServerDb("launch racing a delete or an archive [mariadb]", () => {
  let app: App;
  let orgId: string;
  let audienceId: string;
  let flowId: string;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: SERVER_DB_URL! });
    ({ organizationId: orgId } = await newOrg(app));
    // One audience big enough that the launch's copy takes a while, shared by every round's program.
    const contacts = await app.services.contacts.upsertContacts(orgId, phones(300, undefined, 40_000).map((primaryPhone) => ({ primaryPhone })));
    const audience = await app.services.audiences.createAudience(orgId, { name: "race audience" });
    await app.services.audiences.addContacts(orgId, audience.id, contacts.map((c) => c.id));
    audienceId = audience.id;
    flowId = (await app.services.flows.createFlow(orgId, { name: "race flow", ...SIMPLE_FLOW })).id;
  });
  afterAll(() => app?.stop());

  const newProgram = async (n: number) => (await app.services.programs.createProgram(orgId, { name: `race ${n}`, audienceId, flowId })).id;

  const executionsOf = (programId: string) =>
    app.db.read((r) => r.query<{ id: string; unfinished: number }>("SELECT id, active_program_id IS NOT NULL AS unfinished FROM program_executions WHERE program_id = ?", [programId]));

  it(`never leaves an execution of a deleted program (${ROUNDS} rounds)`, async () => {
    const seen = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const programId = await newProgram(round);
      const [launch, del] = await Promise.allSettled([app.services.executions.launch(orgId, programId), jitter().then(() => app.services.programs.deleteProgram(orgId, programId))]);
      const outcome = `${codeOf(launch)} / ${codeOf(del)}`;
      seen.add(outcome);
      // Launch first: the delete sees its unfinished execution. Delete first: the launch finds no program.
      expect(["ok / RESOURCE_IN_USE", "PROGRAM_NOT_FOUND / ok"]).toContain(outcome);
      const programLeft = (await app.db.read((r) => r.query("SELECT id FROM programs WHERE id = ?", [programId]))).length === 1;
      const executions = await executionsOf(programId);
      expect(programLeft || executions.length === 0, `round ${round}: ${executions.length} execution(s) of a deleted program`).toBe(true);
      if (launch.status === "fulfilled") await app.services.executions.cancel(orgId, launch.value.id);
    }
    expect(seen.size, `outcomes seen: ${[...seen].join(", ")}`).toBeGreaterThan(0);
  });

  it(`never leaves an unfinished execution of an archived program (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const programId = await newProgram(1000 + round);
      const [launch, archive] = await Promise.allSettled([
        app.services.executions.launch(orgId, programId),
        jitter().then(() => app.services.programs.updateProgram(orgId, programId, { status: "archived" })),
      ]);
      const outcome = `${codeOf(launch)} / ${codeOf(archive)}`;
      // Launch first: archiving a program with an unfinished execution is refused. Archive first: launch refused.
      expect(["ok / RESOURCE_IN_USE", "PROGRAM_STATUS_CONFLICT / ok"]).toContain(outcome);
      const program = await app.services.programs.getProgram(orgId, programId);
      const unfinished = (await executionsOf(programId)).filter((e) => Number(e.unfinished) === 1);
      expect(program!.status === "archived" && unfinished.length > 0, `round ${round}: an archived program with an unfinished execution`).toBe(false);
      if (launch.status === "fulfilled") await app.services.executions.cancel(orgId, launch.value.id);
    }
  });
});
