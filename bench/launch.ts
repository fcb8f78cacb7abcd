// Launch time over audiences of 100,000 and 1,000,000 contacts on MariaDB, against the database's own floor:
// a bare INSERT … SELECT of the same (contact, phone) rows into a snapshot table keyed (execution, contact).
// The launch goes through a separate API process over GraphQL; its peak RSS shows whether memory stays flat.
//
//   BENCH_DATABASE_URL=mariadb://root@127.0.0.1:3306/voicecast_bench node -r @swc-node/register bench/launch.ts [sizes]
import "reflect-metadata";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { recreateDatabase } from "../src/db/mysql-admin";
import { parseDatabaseUrl } from "../src/config/config";
import { createDataSource } from "../src/db/data-source";
import { Db } from "../src/db/db";
import { OrganizationService } from "../src/modules/organization/organization.service";
import { systemClock } from "../src/shared/clock";
import { fmtMs, machine, seedAudience } from "./support";

const url = process.env.BENCH_DATABASE_URL ?? "mariadb://root@127.0.0.1:3306/voicecast_bench";
const sizes = (process.argv[2] ?? "100000,1000000").split(",").map(Number);

function rssKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

async function main() {
  await recreateDatabase(url);

  const ds = await createDataSource(parseDatabaseUrl(url)).initialize();
  await ds.runMigrations();
  const db = new Db(ds);
  const orgs = new OrganizationService(db, systemClock);
  await db.transaction((tx) =>
    tx.execute("CREATE TABLE bench_snapshot (execution_id varchar(36) NOT NULL, contact_id varchar(36) NOT NULL, phone varchar(20) NOT NULL, PRIMARY KEY (execution_id, contact_id)) ENGINE=InnoDB"),
  );

  const port = 4900;
  const api = spawn(process.execPath, [join(__dirname, "..", "dist", "src", "main.js")], {
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "warn" },
    stdio: "inherit",
  });
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`# launch bench — ${new Date().toISOString()} — ${machine()}`);
    console.log("| contacts | runs | bare INSERT…SELECT (median) | launchProgram over HTTP (median) | ratio | API process RSS before → peak |");
    console.log("|---:|---:|---:|---:|---:|---:|");
    // Warm-up: the first GraphQL launch of a process pays for JIT and prepared paths.
    for (const size of [1_000, ...sizes]) {
      const warmup = size === 1_000;
      const repeats = warmup ? 1 : size <= 100_000 ? 3 : 1;
      const bares: number[] = [];
      const launches: number[] = [];
      let before = 0;
      let peak = 0;
      for (let rep = 0; rep < repeats; rep++) {
        const { organizationId, apiKey } = await orgs.createOrganization(`bench ${size}`);
        const { audienceId } = await seedAudience(db, organizationId, size);

        const t0 = performance.now();
        await db.transaction((tx) =>
          tx.execute(
            "INSERT INTO bench_snapshot (execution_id, contact_id, phone) SELECT ?, c.id, c.primary_phone FROM audience_contacts ac JOIN contacts c ON c.id = ac.contact_id WHERE ac.audience_id = ?",
            [`bare-${size}-${rep}`, audienceId],
          ),
        );
        bares.push(performance.now() - t0);

        const gql = async (query: string, variables: Record<string, unknown>) => {
          const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-api-key": apiKey },
            body: JSON.stringify({ query, variables }),
          });
          const body = (await r.json()) as { data?: Record<string, { id: string; totalContacts?: number }>; errors?: unknown };
          if (body.errors) throw new Error(JSON.stringify(body.errors));
          return body.data!;
        };
        const flow = await gql(`mutation($input: FlowInput!) { createFlow(input: $input) { id } }`, {
          input: { name: "f", startNodeId: "d", nodes: [{ id: "d", type: "dial", config: {}, outputs: {} }] },
        });
        const program = await gql(`mutation($input: ProgramInput!) { createProgram(input: $input) { id } }`, {
          input: { name: "p", audienceId, flowId: flow.createFlow.id },
        });
        before = rssKb(api.pid!, "VmRSS");
        const t1 = performance.now();
        const launched = await gql(`mutation($id: ID!) { launchProgram(programId: $id) { id totalContacts } }`, { id: program.createProgram.id });
        launches.push(performance.now() - t1);
        peak = rssKb(api.pid!, "VmHWM");
        if (launched.launchProgram.totalContacts !== size) throw new Error(`launched ${launched.launchProgram.totalContacts}, expected ${size}`);
      }
      if (warmup) continue;
      const bare = median(bares);
      const launch = median(launches);
      console.log(
        `| ${size.toLocaleString("en")} | ${repeats} | ${fmtMs(bare)} | ${fmtMs(launch)} | ${(launch / bare).toFixed(2)}× | ${(before / 1024).toFixed(0)} MB → ${(peak / 1024).toFixed(0)} MB |`,
      );
    }
  } finally {
    api.kill("SIGTERM");
    await ds.destroy();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
