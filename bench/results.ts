// Results and integrations at scale (measured, not asserted), on MariaDB, through a separate API process:
//   - export of an execution of 1,000,000 contacts, CSV and NDJSON: rows per second from request to last byte, and
//     the API process's RSS sampled during the stream (start, peak, end: it should stay flat);
//   - the report on the same execution (time);
//   - webhook delivery lag, commit to receiver, p50/p99, during a 10,000-attempt run.
// The audience is generated in the database (bench/support.ts) and launched through the REST gateway; no dispatcher
// runs, so the snapshot stays pending.
//
//   npm run build && BENCH_DATABASE_URL=mariadb://root@127.0.0.1:3306/voicecast_bench_results \
//     node -r @swc-node/register bench/results.ts [contacts=1000000]
//
// The database named in the URL is dropped and recreated. Results go to stdout and bench/results/results.md.
import "reflect-metadata";
import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseDatabaseUrl } from "../src/config/config";
import { createDataSource } from "../src/db/data-source";
import { Db } from "../src/db/db";
import { recreateDatabase } from "../src/db/mysql-admin";
import { OrganizationService } from "../src/modules/organization/organization.service";
import { systemClock } from "../src/shared/clock";
import { seedFinishedExecution } from "./report";
import { measureWebhookLag as runWebhookLag, webhookLagLines } from "./results-webhooks";
import { fmtMs, machine, seedAudience } from "./support";

const url = process.env.BENCH_DATABASE_URL ?? "mariadb://root@127.0.0.1:3306/voicecast_bench_results";
const SIZE = Number(process.argv[2] ?? 1_000_000);
const PORT = Number(process.env.BENCH_PORT ?? 4910);
const MAIN = join(__dirname, "..", "dist", "src", "main.js");

/** What every measurement gets: the running API process, its key, and the launched execution of SIZE contacts. */
interface BenchContext {
  api: ChildProcess;
  base: string;
  apiKey: string;
  organizationId: string;
  db: Db;
  executionId: string;
  size: number;
}

/** Lines of markdown for one section. */
type Measurement = (ctx: BenchContext) => Promise<string[]>;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function rest(ctx: Pick<BenchContext, "base" | "apiKey">, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${ctx.base}${path}`, {
    method,
    headers: { "x-api-key": ctx.apiKey, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface ExportRun {
  format: string;
  rows: number;
  bytes: number;
  ms: number;
  rss: { start: number; peak: number; end: number };
}

/** One export, read as fast as this process can, the API process's RSS sampled every 50 ms meanwhile. */
async function exportOnce(ctx: BenchContext, format: "csv" | "ndjson"): Promise<ExportRun> {
  const pid = ctx.api.pid!;
  const start = rssMb(pid);
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  const t0 = performance.now();
  const res = await fetch(`${ctx.base}/program-executions/${ctx.executionId}/contacts/export?format=${format}`, { headers: { "x-api-key": ctx.apiKey } });
  if (res.status !== 200) throw new Error(`export ${format} → ${res.status} ${await res.text()}`);
  let lines = 0;
  let bytes = 0;
  for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += piece.byteLength;
    for (let i = piece.indexOf(10); i !== -1; i = piece.indexOf(10, i + 1)) lines++;
  }
  const ms = performance.now() - t0;
  clearInterval(sampler);
  const end = rssMb(pid);
  peak = Math.max(peak, end);
  const rows = format === "csv" ? lines - 1 : lines;
  if (rows !== ctx.size) throw new Error(`export ${format}: ${rows} rows, expected ${ctx.size}`);
  return { format, rows, bytes, ms, rss: { start, peak, end } };
}

/** Export of the execution's contacts, CSV and NDJSON alternating, twice each (the first pass warms the buffer pool). */
const measureExport: Measurement = async (ctx) => {
  const runs: ExportRun[] = [];
  for (let pass = 0; pass < 2; pass++) for (const format of ["csv", "ndjson"] as const) runs.push(await exportOnce(ctx, format));
  const lines = [
    `### Export of ${ctx.size.toLocaleString("en-US")} contacts (GET /api/program-executions/{id}/contacts/export)`,
    "",
    "| pass | format | rows | size | time | rows/s | API RSS start → peak → end |",
    "|---:|---|---:|---:|---:|---:|---|",
  ];
  runs.forEach((r, i) =>
    lines.push(
      `| ${Math.floor(i / 2) + 1} | ${r.format} | ${r.rows.toLocaleString("en-US")} | ${(r.bytes / 2 ** 20).toFixed(1)} MB | ${fmtMs(r.ms)} | ${Math.round((r.rows / r.ms) * 1000).toLocaleString("en-US")} | ${r.rss.start.toFixed(0)} → ${r.rss.peak.toFixed(0)} → ${r.rss.end.toFixed(0)} MB |`,
    ),
  );
  lines.push("", "Streamed in keyset chunks of 1,000 rows; the client (this process) reads as fast as it can.", "");
  return lines;
};

/**
 * The report (GET /api/program-executions/{id}/report) on a finished execution of SIZE contacts with about 1.4 × SIZE
 * call attempts, generated in the database: one warm-up, then the median of three, and the API's RSS around them.
 */
const measureReport: Measurement = async (ctx) => {
  const executionId = await seedFinishedExecution(ctx.db, ctx.organizationId, ctx.size);
  const [{ n }] = await ctx.db.read((r) => r.query<{ n: string }>("SELECT COUNT(*) AS n FROM call_attempts WHERE execution_id = ?", [executionId]));
  const rss0 = rssMb(ctx.api.pid!);
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t = performance.now();
    await rest(ctx, "GET", `/program-executions/${executionId}/report`);
    times.push(performance.now() - t);
  }
  const [warm, ...rest3] = times;
  const median = [...rest3].sort((a, b) => a - b)[1];
  return [
    `### Report on ${ctx.size.toLocaleString("en-US")} contacts (${Number(n).toLocaleString("en-US")} call attempts)`,
    "",
    "| warm-up | runs | median | API RSS before → after |",
    "|---:|---|---:|---|",
    `| ${fmtMs(warm)} | ${rest3.map(fmtMs).join(", ")} | **${fmtMs(median)}** | ${rss0.toFixed(0)} → ${rssMb(ctx.api.pid!).toFixed(0)} MB |`,
    "",
  ];
};

/** Webhook delivery lag during a 10,000-attempt run, in a database of its own (bench/results-webhooks.ts). */
const measureWebhookLag: Measurement = async () => {
  const lines: string[] = [];
  for (const [sim, cap] of [[2000, 200], [0, 200]]) lines.push(...webhookLagLines(await runWebhookLag(`${url}_webhooks`, 10_000, sim, cap), sim, cap));
  return lines;
};

const SECTIONS: Array<[string, Measurement]> = [
  ["Export", measureExport],
  [`Report on ${SIZE.toLocaleString("en-US")} contacts (time)`, measureReport],
  ["Webhook delivery lag p50/p99 (commit → receiver, 10,000-attempt run)", measureWebhookLag],
];

async function startApi(): Promise<ChildProcess> {
  const api = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: url, PORT: String(PORT), VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "warn", VOICECAST_RATE_LIMIT: "0" },
    stdio: "inherit",
  });
  for (let i = 0; i < 150; i++) {
    if (await fetch(`http://127.0.0.1:${PORT}/healthz`).then((r) => r.ok, () => false)) return api;
    await new Promise((r) => setTimeout(r, 200));
  }
  api.kill("SIGTERM");
  throw new Error("the API process did not come up");
}

async function main() {
  await recreateDatabase(url);
  const ds = await createDataSource(parseDatabaseUrl(url)).initialize();
  await ds.runMigrations();
  const db = new Db(ds);
  const { organizationId, apiKey } = await new OrganizationService(db, systemClock).createOrganization("results bench");
  const t0 = performance.now();
  const { audienceId } = await seedAudience(db, organizationId, SIZE);
  const seeded = performance.now() - t0;

  const api = await startApi();
  try {
    const base = `http://127.0.0.1:${PORT}/api`;
    const flow = await rest({ base, apiKey }, "POST", "/flows", {
      name: "bench",
      startNodeId: "dial",
      nodes: [{ id: "dial", type: "dial", config: {}, outputs: {} }],
    });
    const program = await rest({ base, apiKey }, "POST", "/programs", { name: "bench", audienceId, flowId: flow.id });
    const t1 = performance.now();
    const { executionId } = (await rest({ base, apiKey }, "POST", `/programs/${program.id}/launch`)) as { executionId: string };
    const launched = performance.now() - t1;
    const ctx: BenchContext = { api, base, apiKey, organizationId, db, executionId, size: SIZE };

    const lines = [
      `## Results and integrations: ${SIZE.toLocaleString("en-US")} contacts`,
      "",
      `Machine: ${machine()}. Date: ${new Date().toISOString()}. Load average at the start ${loadavg()[0].toFixed(2)}.`,
      `Setup: audience generated in the database in ${fmtMs(seeded)}, launched over REST in ${fmtMs(launched)}.`,
      "",
    ];
    for (const [title, measure] of SECTIONS) {
      console.log(`${title}…`);
      lines.push(...(await measure(ctx)));
    }
    lines.push(`Load average at the end ${loadavg()[0].toFixed(2)}.`);
    console.log(lines.join("\n"));
    mkdirSync(join(__dirname, "results"), { recursive: true });
    writeFileSync(join(__dirname, "results", "results.md"), lines.join("\n") + "\n");
  } finally {
    api.kill("SIGTERM");
    await ds.destroy();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
