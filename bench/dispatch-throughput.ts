// Dispatcher throughput and memory on MariaDB (measured, not asserted).
//
//   throughput: end-to-end attempts/s with VOICECAST_SIM_CALL_MS=0 and maxConcurrentCalls 1,000 over 100,000
//               contacts, with one dispatcher process and with two; in the same run, the plain-SQL ceiling (only the
//               claim and completion writes, batched 100 contacts per transaction, one connection; and unbatched).
//   rss:        the dispatcher's RSS through a 1,000,000-contact execution (peak and along the way).
//
//   npm run build && BENCH_DATABASE_URL=mariadb://root@127.0.0.1:3306/voicecast_bench_dispatch \
//     node dist/bench/dispatch-throughput.js [throughput|rss] [contacts]
//
// The database named in the URL is dropped and recreated. Results are printed and written to bench/results/dispatch-<mode>.md.
import "reflect-metadata";
import { ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, sep } from "node:path";
import { Connection, createConnection } from "mysql2/promise";
import { parseDatabaseUrl } from "../src/config/config";
import { createDataSource } from "../src/db/data-source";
import { Db } from "../src/db/db";
import { recreateDatabase } from "../src/db/mysql-admin";
import { ExecutionService } from "../src/modules/execution/execution.service";
import { DidService } from "../src/modules/did/did.service";
import { FlowService } from "../src/modules/flow/flow.service";
import { OrganizationService } from "../src/modules/organization/organization.service";
import { ProgramService } from "../src/modules/program/program.service";
import { systemClock } from "../src/shared/clock";
import { machine, seedAudience } from "./support";

const url = process.env.BENCH_DATABASE_URL ?? "mariadb://root@127.0.0.1:3306/voicecast_bench_dispatch";
const mode = process.argv[2] ?? "throughput";
const size = Number(process.argv[3] ?? (mode === "rss" ? 1_000_000 : 100_000));
const CAP = 1000;
// Run from bench/ (swc) or dist/bench/ (compiled): the repository root either way.
const ROOT = __dirname.split(sep).includes("dist") ? join(__dirname, "..", "..") : join(__dirname, "..");
const MAIN = join(ROOT, "dist", "src", "main.js");

const FLOW = {
  startNodeId: "dial",
  nodes: [
    { id: "dial", type: "dial", config: { timeout: 30000, enableAMD: true }, outputs: { onAnswer: "bye", onVoicemail: "bye" } },
    { id: "bye", type: "hangup", config: { reason: "done", hangupType: "normal" }, outputs: {} },
  ],
};

function kb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

const mb = (k: number) => `${(k / 1024).toFixed(0)} MB`;

interface Setup {
  db: Db;
  executions: ExecutionService;
  newProgram(): Promise<{ organizationId: string; programId: string }>;
}

async function setup(): Promise<Setup> {
  await recreateDatabase(url);
  const ds = await createDataSource(parseDatabaseUrl(url)).initialize();
  await ds.runMigrations();
  const db = new Db(ds);
  const { organizationId } = await new OrganizationService(db, systemClock).createOrganization("bench");
  const t0 = performance.now();
  const { audienceId } = await seedAudience(db, organizationId, size);
  console.error(`seeded ${size} contacts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const flow = await new FlowService(db, systemClock).createFlow(organizationId, { name: "bench", ...FLOW });
  const programs = new ProgramService(db, systemClock, new DidService(db, systemClock));
  return {
    db,
    executions: new ExecutionService(db, systemClock, { publishExecution: () => {} }),
    newProgram: async () => {
      const p = await programs.createProgram(organizationId, { name: `bench ${randomUUID()}`, audienceId, flowId: flow.id, retryStrategy: { type: "none" }, maxConcurrentCalls: CAP });
      return { organizationId, programId: p.id };
    },
  };
}

async function launch(s: Setup): Promise<string> {
  const { organizationId, programId } = await s.newProgram();
  const t0 = performance.now();
  const e = await s.executions.launch(organizationId, programId);
  console.error(`launched ${e.totalContacts} contacts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return e.id;
}

/** Spawns dispatcher processes and resolves once each logged that it started. */
async function startDispatchers(n: number): Promise<ChildProcess[]> {
  const children: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: n }, () => {
      // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the dispatchers.
      const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []), MAIN], {
        env: { ...process.env, DATABASE_URL: url, VOICECAST_ROLES: "dispatcher", VOICECAST_SIM_CALL_MS: "0", VOICECAST_LOG_LEVEL: "info", VOICECAST_BOOTSTRAP_API_KEY: "bench-bootstrap-key-0000" },
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(child);
      return new Promise<void>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (d) => {
          out += String(d);
          if (out.includes("dispatcher started")) resolve();
          if (out.length > 100_000) out = out.slice(-10_000);
        });
        child.on("exit", (code) => reject(new Error(`dispatcher exited with ${code}`)));
      });
    }),
  );
  return children;
}

async function stopDispatchers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => { c.once("exit", r); c.kill("SIGTERM"); }))),
  );
}

interface Finished {
  attempts: number;
  seconds: number;
  rssPeakKb: number[];
  rssTrace: Array<{ done: number; rssKb: number[] }>;
}

/** Waits for the execution to finish, sampling the dispatchers' RSS; the rate is over actualStartAt → actualEndAt. */
async function runToEnd(db: Db, executionId: string, children: ChildProcess[], sampleEveryMs = 500): Promise<Finished> {
  const trace: Finished["rssTrace"] = [];
  const peak = children.map(() => 0);
  for (;;) {
    const [row] = await db.read((r) =>
      r.query<Record<string, string | number | null>>(
        "SELECT total_contacts, contacts_completed, contacts_failed, contacts_skipped, actual_start_at, actual_end_at FROM program_executions WHERE id = ?",
        [executionId],
      ),
    );
    const rss = children.map((c) => kb(c.pid!, "VmRSS"));
    rss.forEach((v, i) => (peak[i] = Math.max(peak[i], Number.isNaN(v) ? 0 : v)));
    trace.push({ done: Number(row.contacts_completed) + Number(row.contacts_failed) + Number(row.contacts_skipped), rssKb: rss });
    if (row.actual_end_at !== null) {
      const attempts = await db.read((r) => r.query<{ n: string }>("SELECT COUNT(*) AS n FROM call_attempts WHERE execution_id = ?", [executionId]));
      const hwm = children.map((c) => kb(c.pid!, "VmHWM"));
      return {
        attempts: Number(attempts[0].n),
        seconds: (Number(row.actual_end_at) - Number(row.actual_start_at)) / 1000,
        rssPeakKb: hwm.map((h, i) => (Number.isNaN(h) ? peak[i] : h)),
        rssTrace: trace,
      };
    }
    if (children.every((c) => c.exitCode !== null)) throw new Error("every dispatcher exited before the execution finished");
    await new Promise((r) => setTimeout(r, sampleEveryMs));
  }
}

/**
 * The floor the dispatcher is compared with: the same claim and completion writes in plain SQL on one connection,
 * `batch` contacts per transaction, no telephony, no flow, no publishing. Answers contacts/s over `limit` contacts.
 */
async function plainSql(conn: Connection, executionId: string, batch: number, limit: number): Promise<{ contacts: number; seconds: number }> {
  const me = "plain-sql";
  let done = 0;
  const t0 = performance.now();
  while (done < limit) {
    const now = Date.now();
    await conn.query("START TRANSACTION");
    const [rows] = (await conn.query(
      `SELECT contact_id FROM execution_contacts WHERE execution_id = ? AND status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ${Math.min(batch, limit - done)} FOR UPDATE SKIP LOCKED`,
      [executionId, now],
    )) as unknown as [Array<{ contact_id: string }>];
    if (rows.length === 0) {
      await conn.query("COMMIT");
      break;
    }
    const ids = rows.map((r) => r.contact_id);
    const marks = ids.map(() => "?").join(", ");
    await conn.query(`UPDATE execution_contacts SET status = 'inProgress', attempts = attempts + 1, lease_expires_at = ?, claimed_by = ? WHERE execution_id = ? AND contact_id IN (${marks})`, [
      now + 30000,
      me,
      executionId,
      ...ids,
    ]);
    const attemptIds = ids.map(() => randomUUID());
    await conn.query(
      `INSERT INTO call_attempts (id, execution_id, contact_id, attempt_number, started_at) VALUES ${ids.map(() => "(?, ?, ?, 1, ?)").join(", ")}`,
      ids.flatMap((id, i) => [attemptIds[i], executionId, id, now]),
    );
    await conn.query("UPDATE program_executions SET contacts_pending = contacts_pending - ?, contacts_in_progress = contacts_in_progress + ?, sequence_no = sequence_no + 1 WHERE id = ?", [
      ids.length,
      ids.length,
      executionId,
    ]);
    await conn.query("COMMIT");

    await conn.query("START TRANSACTION");
    await conn.query(
      `UPDATE execution_contacts SET status = 'completed', last_outcome = 'completed', lease_expires_at = NULL, claimed_by = NULL WHERE execution_id = ? AND status = 'inProgress' AND claimed_by = ? AND contact_id IN (${marks})`,
      [executionId, me, ...ids],
    );
    await conn.query(
      `INSERT INTO call_attempts (id, execution_id, contact_id, attempt_number, started_at, outcome, ended_at, duration_ms, path, variables) VALUES ${ids
        .map(() => "(?, ?, ?, 1, ?, 'completed', ?, 0, '[\"dial\",\"bye\"]', '{}')")
        .join(", ")} ON DUPLICATE KEY UPDATE outcome = VALUES(outcome), ended_at = VALUES(ended_at), duration_ms = VALUES(duration_ms), path = VALUES(path), variables = VALUES(variables)`,
      ids.flatMap((id, i) => [attemptIds[i], executionId, id, now, now]),
    );
    await conn.query(
      "UPDATE program_executions SET contacts_in_progress = contacts_in_progress - ?, contacts_completed = contacts_completed + ?, sequence_no = sequence_no + 1 WHERE id = ?",
      [ids.length, ids.length, executionId],
    );
    await conn.query("COMMIT");
    done += ids.length;
  }
  return { contacts: done, seconds: (performance.now() - t0) / 1000 };
}

function write(name: string, lines: string[]): void {
  const text = lines.join("\n") + "\n";
  console.log(text);
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text);
}

const load = () => loadavg()[0].toFixed(1);

/** The plain-SQL ceiling on an execution of its own: a short unbatched run, then batched 100 for the rest. */
async function ceiling(s: Setup): Promise<{ batched: { contacts: number; seconds: number; load: string }; unbatched: { contacts: number; seconds: number; load: string } }> {
  const u = new URL(url);
  const id = await launch(s);
  const conn = await createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) });
  try {
    await conn.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    const unbatched = { ...(await plainSql(conn, id, 1, Math.min(3000, size / 10))), load: load() };
    const batched = { ...(await plainSql(conn, id, 100, size)), load: load() };
    return { batched, unbatched };
  } finally {
    await conn.end();
  }
}

async function throughput(): Promise<void> {
  const s = await setup();
  const rate = (r: { contacts: number; seconds: number }) => r.contacts / r.seconds;
  // The machine may be shared: the ceiling is measured before and after the dispatcher runs, and ratios use the mean.
  const before = await ceiling(s);
  const runs: Array<{ n: number; r: Finished; load: string }> = [];
  for (const n of [1, 2]) {
    const children = await startDispatchers(n);
    try {
      const id = await launch(s);
      runs.push({ n, r: await runToEnd(s.db, id, children), load: load() });
    } finally {
      await stopDispatchers(children);
    }
  }
  const after = await ceiling(s);
  const ceilingRate = (rate(before.batched) + rate(after.batched)) / 2;
  const fmt = (x: number) => Math.round(x).toLocaleString("en");
  const plainRow = (name: string, r: { contacts: number; seconds: number; load: string }) =>
    `| ${name} | ${r.contacts.toLocaleString("en")} | ${r.seconds.toFixed(1)} s | ${fmt(rate(r))} | ${(rate(r) / ceilingRate).toFixed(2)} | — | ${r.load} |`;
  write("dispatch-throughput.md", [
    `# dispatch throughput — ${new Date().toISOString()} — ${machine()}`,
    "",
    `MariaDB, ${size.toLocaleString("en")} contacts, VOICECAST_SIM_CALL_MS=0, maxConcurrentCalls ${CAP}, retry none; dispatcher rate = attempts / (actualEndAt − actualStartAt).`,
    `Ceiling = mean of the two batched plain-SQL runs (${fmt(ceilingRate)}/s). Load = 1-minute load average at the end of each run.`,
    "",
    "| run | attempts | time | attempts/s | ratio to ceiling | dispatcher peak RSS | load |",
    "|---|---:|---:|---:|---:|---:|---:|",
    plainRow("plain SQL, 100 per transaction, 1 connection (before)", before.batched),
    plainRow("plain SQL, 1 per transaction, 1 connection (before)", before.unbatched),
    ...runs.map(({ n, r, load }) => `| ${n} dispatcher process${n > 1 ? "es" : ""} | ${r.attempts.toLocaleString("en")} | ${r.seconds.toFixed(1)} s | **${fmt(r.attempts / r.seconds)}** | ${(r.attempts / r.seconds / ceilingRate).toFixed(2)} | ${r.rssPeakKb.map(mb).join(" + ")} | ${load} |`),
    plainRow("plain SQL, 100 per transaction, 1 connection (after)", after.batched),
    plainRow("plain SQL, 1 per transaction, 1 connection (after)", after.unbatched),
  ]);
}

async function rss(): Promise<void> {
  const s = await setup();
  const children = await startDispatchers(1);
  try {
    const startKb = kb(children[0].pid!, "VmRSS");
    const id = await launch(s);
    const r = await runToEnd(s.db, id, children, 1000);
    const at = (fraction: number) => {
      const sample = r.rssTrace.find((t) => t.done >= fraction * size) ?? r.rssTrace[r.rssTrace.length - 1];
      return mb(sample.rssKb[0]);
    };
    const steady = r.rssTrace.filter((t) => t.done >= 0.1 * size).map((t) => t.rssKb[0]).filter((v) => !Number.isNaN(v));
    write("dispatch-rss.md", [
      `# dispatcher memory — ${new Date().toISOString()} — ${machine()}`,
      "",
      `MariaDB, one dispatcher process, ${size.toLocaleString("en")} contacts, VOICECAST_SIM_CALL_MS=0, maxConcurrentCalls ${CAP}; RSS sampled every second.`,
      "",
      "| idle | 10 % done | 50 % done | 90 % done | min → max after 10 % | peak (VmHWM) | attempts/s |",
      "|---:|---:|---:|---:|---:|---:|---:|",
      `| ${mb(startKb)} | ${at(0.1)} | ${at(0.5)} | ${at(0.9)} | ${mb(Math.min(...steady))} → ${mb(Math.max(...steady))} | **${mb(r.rssPeakKb[0])}** | ${Math.round(r.attempts / r.seconds).toLocaleString("en")} |`,
    ]);
  } finally {
    await stopDispatchers(children);
  }
}

(mode === "rss" ? rss() : throughput()).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
