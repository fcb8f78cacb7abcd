// GET /api/program-executions/{id} at a steady request rate (autocannon `overallRate`, loopback), for executions of
// 1,000 and 1,000,000 contacts: the read is one primary-key lookup plus the key check, so its cost must not grow
// with the audience. Measured, not asserted. The API runs as its own process (api role only), so the load generator
// does not share its event loop; needs `npm run build` first. Each size is measured twice, side by side:
//   on   `node dist/src/main.js` as deployed: a JSON log line per request (written to a file), HTTP metrics, and the
//        per-key rate limiter (its limit set above the bench's rate, so it counts every request and refuses none);
//   off  the same build with request logs, HTTP metrics and the rate limit turned off (bench/api-server.ts off).
// A last row measures a bare node:http server answering a body of the same size, the floor of the machine at that
// moment: on a shared machine it tells the gateway's cost from the neighbours' noise, as does the server CPU time
// per request.
//
//   npm run build
//   node -r @swc-node/register bench/rest-latency.ts mariadb://root@127.0.0.1:3306/voicecast_bench_rest [sizes] [rate] [seconds] [rounds]
//   node -r @swc-node/register bench/rest-latency.ts sqlite:/tmp/voicecast-bench-rest.sqlite
//
// The MariaDB database named in the URL and the SQLite file are dropped and recreated.
import "reflect-metadata";
import { ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { recreateDatabase } from "../src/db/mysql-admin";
import { createApp } from "../src/app";
import { loadConfig, parseDatabaseUrl } from "../src/config/config";
import { createLogger } from "../src/shared/logger";
import { machine, percentile, seedAudience } from "./support";

const url = process.argv[2] ?? "mariadb://root@127.0.0.1:3306/voicecast_bench_rest";
const sizes = (process.argv[3] ?? "1000,1000000").split(",").map(Number);
const rate = Number(process.argv[4] ?? 1000);
const seconds = Number(process.argv[5] ?? 20);
/** Rounds alternate between the sizes, so a burst of load from elsewhere on the machine shows as one odd row. */
const rounds = Number(process.argv[6] ?? 3);
const port = 4920;

/** A fresh, empty database for the URL. */
async function recreate(): Promise<void> {
  const cfg = parseDatabaseUrl(url);
  if (cfg.kind === "sqlite") {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${cfg.path}${suffix}`, { force: true });
    return;
  }
  await recreateDatabase(url);
}

interface Target {
  size: number;
  executionId: string;
  apiKey: string;
  launchMs: number;
}

/** Organizations, audiences, flows, programs and launched executions, through the services (no HTTP). */
async function setup(): Promise<Target[]> {
  const app = await createApp(loadConfig({ DATABASE_URL: url, VOICECAST_ROLES: "api" }), { logger: createLogger("warn", "bench") });
  const s = app.services;
  const out: Target[] = [];
  try {
    for (const size of sizes) {
      const { organizationId, apiKey } = await s.organizations.createOrganization(`bench ${size}`);
      const t0 = performance.now();
      const { audienceId } = await seedAudience(app.db, organizationId, size);
      const seedMs = performance.now() - t0;
      const flow = await s.flows.createFlow(organizationId, {
        name: "bench",
        startNodeId: "dial",
        nodes: [
          { id: "dial", type: "dial", config: {}, outputs: { onAnswer: "bye" } },
          { id: "bye", type: "hangup", config: {}, outputs: {} },
        ],
      });
      const program = await s.programs.createProgram(organizationId, { name: `bench ${size}`, audienceId, flowId: flow.id });
      const t1 = performance.now();
      const execution = await s.executions.launch(organizationId, program.id);
      const launchMs = performance.now() - t1;
      if (execution.totalContacts !== size) throw new Error(`launched ${execution.totalContacts} contacts, expected ${size}`);
      console.error(`seeded ${size} contacts in ${(seedMs / 1000).toFixed(1)} s; launched in ${(launchMs / 1000).toFixed(1)} s`);
      out.push({ size, executionId: execution.id, apiKey, launchMs });
    }
  } finally {
    await app.stop();
  }
  return out;
}

/** CPU time (user + system, ms) the process has used: a cost per request that other load on the machine barely moves. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** The floor of this machine at this moment: a bare node:http server answering a fixed JSON body of the same size. */
const BARE_SERVER = `
  const body = JSON.stringify({ padding: "x".repeat(Number(process.argv[2])) });
  require("node:http").createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }).listen(Number(process.argv[1]), "127.0.0.1");`;

async function measure(url: string, headers: Record<string, string>, duration: number) {
  const samples: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        headers,
        connections: 10,
        overallRate: rate,
        duration,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    // autocannon's histogram has 1 ms buckets; keep every response time too, for sub-millisecond percentiles.
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      samples.push(responseTime);
    });
  });
  samples.sort((a, b) => a - b);
  return { result, samples };
}

/** An API process on `port`: `on` as deployed (logs to a file, metrics, rate limiter), `off` without them. */
function startApi(variant: "on" | "off", port: number): ChildProcess {
  const dist = join(__dirname, "..", "dist");
  const common = { ...process.env, DATABASE_URL: url, PORT: String(port), VOICECAST_ROLES: "api" };
  if (variant === "on") {
    const log = openSync(join(tmpdir(), `voicecast-bench-rest-${process.pid}.log`), "w");
    const env = { ...common, VOICECAST_LOG_LEVEL: "info", VOICECAST_RATE_LIMIT: String(rate * 5) };
    return spawn(process.execPath, [join(dist, "src", "main.js")], { env, stdio: ["ignore", log, "inherit"] });
  }
  const env = { ...common, VOICECAST_LOG_LEVEL: "warn", VOICECAST_RATE_LIMIT: "0" };
  return spawn(process.execPath, [join(dist, "bench", "api-server.js"), "off"], { env, stdio: "inherit" });
}

async function ready(port: number): Promise<void> {
  for (let i = 0; ; i++) {
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) return;
    if (i > 150) throw new Error(`the API on ${port} did not become ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  await recreate();
  const targets = await setup();

  const on = startApi("on", port);
  const off = startApi("off", port + 2);
  let bare: ChildProcess | null = null;
  try {
    await ready(port);
    await ready(port + 2);
    // The bare server's body is as long as the gateway's answer (its JSON wrapper is 14 characters).
    const sample = await fetch(`http://127.0.0.1:${port}/api/program-executions/${targets[0].executionId}`, { headers: { "x-api-key": targets[0].apiKey } });
    bare = spawn(process.execPath, ["-e", BARE_SERVER, String(port + 1), String((await sample.text()).length - 14)], { stdio: "inherit" });
    await new Promise((r) => setTimeout(r, 500));
    const kind = parseDatabaseUrl(url).kind;
    const load = loadavg().map((l) => l.toFixed(2)).join(" ");
    console.log(`# GET /api/program-executions/{id} — ${kind} — ${rate} req/s for ${seconds} s, 10 connections — ${new Date().toISOString()} — ${machine()} — load average at start ${load}`);
    console.log("| round | execution of (contacts) | logs, metrics, rate limit | achieved req/s | p50 | p90 | p99 | p99.9 | max | autocannon p50 / p99 (1 ms buckets) | server CPU per request | non-2xx |");
    console.log("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    const runs = [
      ...targets.flatMap((t) =>
        (["on", "off"] as const).map((variant) => ({
          label: t.size.toLocaleString("en-US"),
          variant,
          pid: (variant === "on" ? on : off).pid!,
          url: `http://127.0.0.1:${variant === "on" ? port : port + 2}/api/program-executions/${t.executionId}`,
          headers: { "x-api-key": t.apiKey },
        })),
      ),
      { label: "bare node:http", variant: "—", pid: bare.pid!, url: `http://127.0.0.1:${port + 1}/`, headers: {} },
    ];
    for (const r of runs) await measure(r.url, r.headers, 3); // warm-up: JIT, connection pool, buffer pool
    for (let round = 1; round <= rounds; round++) {
      for (const r of runs) {
        const cpu0 = cpuMs(r.pid);
        const { result, samples } = await measure(r.url, r.headers, seconds);
        const cpuPerRequest = ((cpuMs(r.pid) - cpu0) * 1000) / result.requests.total;
        const ms = (v: number) => `${v.toFixed(2)} ms`;
        console.log(
          `| ${round} | ${r.label} | ${r.variant} | ${(result.requests.total / result.duration).toFixed(0)} | ${ms(percentile(samples, 50))} | ${ms(percentile(samples, 90))} | ${ms(
            percentile(samples, 99),
          )} | ${ms(percentile(samples, 99.9))} | ${ms(samples[samples.length - 1])} | ${result.latency.p50} / ${result.latency.p99} ms | ${cpuPerRequest.toFixed(0)} µs | ${result.non2xx} |`,
        );
      }
    }
  } finally {
    on.kill("SIGTERM");
    off.kill("SIGTERM");
    bare?.kill("SIGTERM");
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
