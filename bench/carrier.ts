// Real-call path under load (measured, not asserted): one api process (the carrier's webhooks) and one dispatcher
// process on MariaDB + Redis, calling through the carrier emulator (in this process) with 30-second calls, ramping to
// 10,000 calls in flight at VOICECAST_CALLS_PER_SECOND.
//
//   npm run build && BENCH_DATABASE_URL=mariadb://root@127.0.0.1:3306/voicecast_bench_carrier \
//     node -r @swc-node/register bench/carrier.ts [calls=10000] [cps=400] [callSeconds=30] [floor]
//
// With `floor`, the same calls and webhooks go to a bare node:http server instead of Voicecast: it checks each
// signature and answers fixed TwiML (a <Say> and a <Redirect>, then <Hangup/>), with no database. That is the most
// this machine gives webhooks while the emulator runs, the ratio's denominator.
//
// Reports webhook turnaround as the carrier sees it (p50/p99), calls placed per second against the configured CPS
// (overall and the busiest one-second window), the RSS of each process along the run, and lost results (calls the
// carrier ended that have no recorded outcome). Results go to stdout and bench/results/carrier.md.
import "reflect-metadata";
import { ChildProcess, execSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { createServer } from "node:http";
import { join } from "node:path";
import twilio from "twilio";
import { TwilioCarrier } from "../src/modules/telephony/twilio/twilio.carrier";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config/config";
import { recreateDatabase } from "../src/db/mysql-admin";
import { startCarrierEmulator } from "../test/support/carrier-emulator";
import { freePort, waitForHttp } from "../test/support/processes";
import { machine } from "./support";

const url = process.env.BENCH_DATABASE_URL ?? "mariadb://root@127.0.0.1:3306/voicecast_bench_carrier";
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const CALLS = Number(process.argv[2] ?? 10_000);
const CPS = Number(process.argv[3] ?? 400);
const CALL_S = Number(process.argv[4] ?? 30);
const ROOT = join(__dirname, "..");
const MAIN = join(ROOT, "dist", "src", "main.js");

function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 per second on Linux)
  } catch {
    return NaN;
  }
}

function mariadbPid(): number | undefined {
  try {
    return Number(execSync("pidof mariadbd mysqld", { encoding: "utf8" }).trim().split(" ")[0]) || undefined;
  } catch {
    return undefined;
  }
}

function spawnRole(role: "api" | "dispatcher", env: Record<string, string>): Promise<ChildProcess> {
  // BENCH_API_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the api process.
  const nodeArgs = role === "api" ? (process.env.BENCH_API_NODE_ARGS?.split(" ").filter(Boolean) ?? []) : [];
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    env: { ...process.env, ...env, VOICECAST_ROLES: role, VOICECAST_LOG_LEVEL: "warn", LOG_LEVEL: "warn", VOICECAST_BOOTSTRAP_API_KEY: "bench-carrier-bootstrap-key" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve(child));
    child.once("error", reject);
  });
}

/** The floor: the emulator's calls and webhooks against a bare server, created by this process at the same pace. */
async function floor(): Promise<void> {
  const authToken = randomUUID();
  const emulator = await startCarrierEmulator({ accountSid: `AC${"0".repeat(31)}1`, authToken, logs: "counters", timing: { callMs: CALL_S * 1000 }, webhookMaxSockets: 512 });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      if (!twilio.validateRequest(authToken, String(req.headers["x-twilio-signature"]), publicUrl + req.url, params)) {
        res.writeHead(403).end();
        return;
      }
      if (req.url!.includes("/status/")) {
        res.writeHead(200).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(req.url!.includes("turn=") ? HANGUP : `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say><Redirect method="POST">${publicUrl}${req.url}?turn=1</Redirect></Response>`);
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  const carrier = new TwilioCarrier({ accountSid: emulator.accountSid, authToken, apiUrl: emulator.baseUrl, publicUrl });
  // A perfect sender: call i is due exactly i/CPS seconds after the start, with no margin and no gate. What the
  // carrier sees of it shows the jitter this machine adds between sending and arrival.
  const load0 = loadavg()[0];
  const t0 = Date.now();
  const spacing = 1000 / CPS;
  for (let i = 0; i < CALLS; i++) {
    setTimeout(() => {
      carrier.createCall({ attemptId: `floor-${i}`, to: `+1415${2000000 + i * 10 + (i % 5)}`, from: "+14155550100", timeoutMs: 30_000, enableAMD: false }).catch(() => {});
    }, t0 + i * spacing - Date.now());
  }
  await new Promise((r) => setTimeout(r, (CALLS / CPS) * 1000 + 1000));
  const times = emulator.createTimes();
  const busiest = emulator.maxCreatesInWindow(1000);
  await emulator.idle((CALL_S + 60) * 1000);
  const stats = emulator.stats();
  const lines = [
    `## Floor: the same ${CALLS.toLocaleString("en-US")} calls of ${CALL_S} s at CPS ${CPS} against a bare node:http server`,
    "",
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Load average at the start ${load0.toFixed(2)}, at the end ${loadavg()[0].toFixed(2)}.`,
    "",
    `| webhooks answered | ${stats.webhookLatency.count.toLocaleString("en-US")} |`,
    "|---|---:|",
    `| webhook turnaround p50 / p99 / max | ${stats.webhookLatency.p50.toFixed(1)} / ${stats.webhookLatency.p99.toFixed(1)} / ${stats.webhookLatency.max.toFixed(0)} ms |`,
    `| most calls in flight at once | ${stats.maxCallsInFlight.toLocaleString("en-US")} |`,
    `| calls created per second, a perfect sender at exactly CPS (first to last create) | ${(((times.length - 1) * 1000) / (times[times.length - 1] - times[0])).toFixed(1)} |`,
    `| busiest one-second window the carrier saw from it | ${busiest} (CPS ${CPS}) |`,
    `| wall time | ${((Date.now() - t0) / 1000).toFixed(1)} s |`,
  ];
  console.log(lines.join("\n"));
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "carrier-floor.md"), lines.join("\n") + "\n");
  server.close();
  await emulator.stop();
  process.exit(0);
}

const HANGUP = `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`;

async function main() {
  if (process.argv[5] === "floor") return floor();
  await recreateDatabase(url);
  const app = await createApp(loadConfig({ DATABASE_URL: url, VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "warn" }));
  const { organizationId } = await app.services.organizations.createOrganization("bench");
  // Callees whose last digit is 0–4: every call is answered by a person and lasts CALL_S seconds.
  const now = Date.now();
  const audienceId = randomUUID();
  await app.db.transaction(async (tx) => {
    const series = tx.dialect.series(CALLS);
    await tx.execute(
      `${series.with} INSERT INTO contacts (id, organization_id, primary_phone, first_name, last_name, primary_email, custom_attributes, created_at, updated_at)
       SELECT ${tx.dialect.uuid}, ?, ${tx.dialect.concat("'+1415'", "(2000000 + seq * 10 + seq % 5)")}, NULL, NULL, NULL, '{}', ?, ? FROM ${series.from}`,
      [organizationId, now, now],
    );
    await tx.execute("INSERT INTO audiences (id, organization_id, name, description, created_at, updated_at) VALUES (?, ?, 'bench', NULL, ?, ?)", [audienceId, organizationId, now, now]);
    await tx.execute("INSERT INTO audience_contacts (audience_id, contact_id, created_at) SELECT ?, id, ? FROM contacts WHERE organization_id = ?", [audienceId, now, organizationId]);
  });
  const flow = await app.services.flows.createFlow(organizationId, {
    name: "bench",
    startNodeId: "dial",
    nodes: [
      { id: "dial", type: "dial", config: { enableAMD: false }, outputs: { onAnswer: "hello" } },
      { id: "hello", type: "play", config: { audioItems: [{ type: "tts", text: "Hello" }] }, outputs: { onComplete: "bye" } },
      { id: "bye", type: "hangup", config: {}, outputs: {} },
    ],
  });
  const did = await app.services.dids.createDid(organizationId, { number: "+14155550100" });
  const program = await app.services.programs.createProgram(organizationId, { name: "bench", audienceId, flowId: flow.id, maxConcurrentCalls: 10_000, didPool: [did.id] });

  const emulator = await startCarrierEmulator({ accountSid: `AC${"0".repeat(31)}1`, authToken: randomUUID(), logs: "counters", timing: { callMs: CALL_S * 1000 }, webhookMaxSockets: 512 });
  const port = await freePort();
  const env = {
    DATABASE_URL: url,
    REDIS_URL: redisUrl,
    VOICECAST_REDIS_PREFIX: `bench-${port}:`,
    VOICECAST_TELEPHONY: "twilio",
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_API_URL: emulator.baseUrl,
    VOICECAST_PUBLIC_URL: `http://127.0.0.1:${port}`,
    VOICECAST_CALLS_PER_SECOND: String(CPS),
    VOICECAST_RATE_LIMIT: "0",
    PORT: String(port),
  };
  const api = await spawnRole("api", env);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000);
  const dispatcher = await spawnRole("dispatcher", env);
  await new Promise((r) => setTimeout(r, 2000));

  const load0 = loadavg()[0];
  const dbPid = mariadbPid();
  const cpu0 = { api: cpuSeconds(api.pid), dispatcher: cpuSeconds(dispatcher.pid), db: cpuSeconds(dbPid), self: process.cpuUsage() };
  const execution = await app.services.executions.launch(organizationId, program.id);
  const t0 = Date.now();
  const trace: Array<{ s: number; inFlight: number; created: number; done: number; apiMb: number; dispatcherMb: number }> = [];
  let maxInFlight = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const e = await app.services.executions.get(organizationId, execution.id);
    const st = emulator.stats();
    maxInFlight = Math.max(maxInFlight, st.callsInFlight);
    trace.push({ s: Math.round((Date.now() - t0) / 1000), inFlight: st.callsInFlight, created: st.callsCreated, done: e!.contactsCompleted + e!.contactsFailed, apiMb: rssMb(api.pid), dispatcherMb: rssMb(dispatcher.pid) });
    const last = trace[trace.length - 1];
    console.error(`t=${last.s}s created=${last.created} inFlight=${last.inFlight} done=${last.done} rss api=${last.apiMb} MB dispatcher=${last.dispatcherMb} MB`);
    if (e!.actualEndAt) break;
    if (Date.now() - t0 > (CALLS / CPS + CALL_S) * 3000 + 120_000) throw new Error("the run did not finish in time");
  }
  const seconds = (Date.now() - t0) / 1000;
  const selfCpu = process.cpuUsage(cpu0.self);
  const cpu = {
    api: cpuSeconds(api.pid) - cpu0.api,
    dispatcher: cpuSeconds(dispatcher.pid) - cpu0.dispatcher,
    db: cpuSeconds(dbPid) - cpu0.db,
    emulator: (selfCpu.user + selfCpu.system) / 1e6,
  };
  const stats = emulator.stats();
  const busiest = emulator.maxCreatesInWindow(1000);
  const [{ open }] = await app.db.read((r) => r.query<{ open: string }>("SELECT COUNT(*) AS open FROM call_attempts WHERE execution_id = ? AND outcome IS NULL", [execution.id]));
  const [{ recorded }] = await app.db.read((r) => r.query<{ recorded: string }>("SELECT COUNT(*) AS recorded FROM call_attempts WHERE execution_id = ? AND outcome IS NOT NULL", [execution.id]));
  const final = await app.services.executions.get(organizationId, execution.id);
  // How the api process grouped the results it recorded (its Prometheus histograms).
  const metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(metricsText)?.[1] ?? NaN);
  const batches = metric("voicecast_completion_batch_size_count");
  const perBatch = metric("voicecast_completion_batch_size_sum") / batches;
  const batchMs = (metric("voicecast_completion_duration_seconds_sum") / batches) * 1000;
  // Placement rate from the first create to the last (CALLS - 1 intervals), as the carrier saw them arrive.
  const creates = emulator.createTimes();
  const placedRate = ((creates.length - 1) * 1000) / Math.max(1, creates[creates.length - 1] - creates[0]);

  const lines = [
    `## Carrier path: ${CALLS.toLocaleString("en-US")} calls of ${CALL_S} s, CPS ${CPS}`,
    "",
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Load average at launch ${load0.toFixed(2)}, at the end ${loadavg()[0].toFixed(2)}.`,
    "One api process (webhooks) and one dispatcher process on MariaDB + Redis; the carrier emulator and this driver in a third.",
    "",
    "| measure | value |",
    "|---|---:|",
    `| calls placed | ${stats.callsCreated.toLocaleString("en-US")} |`,
    `| most calls in flight at once | ${maxInFlight.toLocaleString("en-US")} |`,
    `| webhooks answered | ${stats.webhookLatency.count.toLocaleString("en-US")} (failed ${stats.webhooksFailed}) |`,
    `| webhook turnaround p50 / p99 / max | ${stats.webhookLatency.p50.toFixed(1)} / ${stats.webhookLatency.p99.toFixed(1)} / ${stats.webhookLatency.max.toFixed(0)} ms |`,
    `| calls placed per second (first to last create) | ${placedRate.toFixed(1)} (${((placedRate / CPS) * 100).toFixed(1)}% of CPS) |`,
    `| busiest one-second window | ${busiest} (CPS ${CPS}) |`,
    `| RSS api / dispatcher: start → peak → end | ${trace[0].apiMb} → ${Math.max(...trace.map((t) => t.apiMb))} → ${trace[trace.length - 1].apiMb} MB / ${trace[0].dispatcherMb} → ${Math.max(...trace.map((t) => t.dispatcherMb))} → ${trace[trace.length - 1].dispatcherMb} MB |`,
    `| results recorded / open attempts / contacts completed | ${recorded} / ${open} / ${final!.contactsCompleted} |`,
    `| lost results (calls the carrier ended without a recorded outcome) | ${stats.callsEnded - Number(recorded)} |`,
    `| completion transactions of the api process / results per transaction / mean duration | ${batches.toLocaleString("en-US")} / ${perBatch.toFixed(1)} / ${batchMs.toFixed(1)} ms |`,
    `| CPU seconds during the run: api / dispatcher / MariaDB (all its clients) / emulator and driver | ${cpu.api.toFixed(1)} / ${cpu.dispatcher.toFixed(1)} / ${cpu.db.toFixed(1)} / ${cpu.emulator.toFixed(1)} (of ${(seconds * cpus().length).toFixed(0)} on ${cpus().length} cores) |`,
    `| wall time | ${seconds.toFixed(1)} s |`,
    "",
    "RSS along the run (every 5 s): " + trace.filter((t) => t.s % 5 === 0).map((t) => `${t.s}s ${t.inFlight} in flight: ${t.apiMb}/${t.dispatcherMb}`).join("; "),
  ];
  console.log(lines.join("\n"));
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "carrier.md"), lines.join("\n") + "\n");

  dispatcher.kill("SIGTERM");
  api.kill("SIGTERM");
  await emulator.stop();
  await app.stop();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
