// Live progress at scale (measured, not asserted), on MariaDB + Redis:
//
//   latency: N graphql-ws subscribers (one socket each, loopback) follow one running execution on one API process
//            (`node dist/src/main.js`, roles api). This process commits counter changes as the dispatcher does (one
//            transaction, then publish after commit through the Redis bus) and takes the time as the commit returns;
//            each client takes the time as the event arrives. Commits are spaced wider than
//            VOICECAST_PROGRESS_INTERVAL_MS, so coalescing delays none of them. For scale, the same N receipts over
//            raw Redis pub/sub (N ioredis subscriber connections in this process) are measured too.
//   memory:  a fresh API process's RSS and heap (after GC, read through a preloaded probe) before and after N idle
//            subscriptions (each its own socket, as N dashboards would); the delta per subscription.
//
//   npm run build && BENCH_DATABASE_URL=mariadb://root@127.0.0.1:3306/voicecast_bench_subs BENCH_REDIS_URL=redis://127.0.0.1:6379 \
//     node dist/bench/subscriptions-latency.js [subscribers=1000] [rounds=40]
//
// The database named in the URL is dropped and recreated; Redis channels get a prefix of their own. Results are printed
// and written to bench/results/subscriptions.md. BENCH_API_FLAGS adds node flags to the API process (e.g. --cpu-prof).
import "reflect-metadata";
import { ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { join, sep } from "node:path";
import { Client, createClient } from "graphql-ws";
import { Redis } from "ioredis";
import { recreateDatabase } from "../src/db/mysql-admin";
import WebSocket from "ws";
import { App, createApp } from "../src/app";
import { loadConfig } from "../src/config/config";
import { ExecutionContactStatus as C, ProgramExecution } from "../src/modules/execution/execution.entity";
import { readExecution } from "../src/modules/execution/execution.store";
import { machine, percentile } from "./support";

const dbUrl = process.env.BENCH_DATABASE_URL ?? "mariadb://root@127.0.0.1:3306/voicecast_bench_subs";
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const N = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 40);
const INTERVAL_MS = 250;
const ROOT = __dirname.split(sep).includes("dist") ? join(__dirname, "..", "..") : join(__dirname, "..");
const MAIN = join(ROOT, "dist", "src", "main.js");
const PROBE = join(ROOT, "bench", "subscriptions-memory-probe.cjs");
const prefix = `vcbench-${randomUUID().slice(0, 8)}:`;

const QUERY = `subscription ($id: ID!) { executionProgress(executionId: $id) {
  id programId organizationId audienceId flowId flowVersion status totalContacts contactsCompleted contactsFailed
  contactsPending contactsInProgress contactsSkipped scheduledStartAt scheduledStopAt actualStartAt actualEndAt
  createdAt updatedAt sequence } }`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function summary(samples: number[]): { p50: number; p90: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] };
}

interface ApiProcess {
  child: ChildProcess;
  port: number;
  memory(): Promise<{ rss: number; heapUsed: number }>;
}

async function startApi(port: number): Promise<ApiProcess> {
  let out = "";
  const waiters: Array<() => void> = [];
  const child = spawn(process.execPath, [...(process.env.BENCH_API_FLAGS ? process.env.BENCH_API_FLAGS.split(" ") : []), "--expose-gc", "-r", PROBE, MAIN], {
    env: { ...process.env, DATABASE_URL: dbUrl, REDIS_URL: redisUrl, VOICECAST_REDIS_PREFIX: prefix, VOICECAST_ROLES: "api", PORT: String(port), VOICECAST_LOG_LEVEL: "warn",
      // A thousand clients share one key and subscribe at once: the per-key rate limit would refuse most of them.
      VOICECAST_RATE_LIMIT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout!.on("data", (d) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  for (let i = 0; ; i++) {
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) break;
    if (i > 150 || child.exitCode !== null) throw new Error(`API process did not start:\n${out}`);
    await sleep(200);
  }
  return {
    child,
    port,
    async memory() {
      const before = out.length;
      child.kill("SIGUSR2");
      for (;;) {
        const m = /MEMORY (\{.*\})\n/.exec(out.slice(before));
        if (m) return JSON.parse(m[1]) as { rss: number; heapUsed: number };
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

async function stopApi(api: ApiProcess): Promise<void> {
  if (api.child.exitCode !== null) return;
  const gone = new Promise((r) => api.child.once("exit", r));
  api.child.kill("SIGTERM");
  await gone;
}

/** N clients, each on its own socket, each subscribed; resolves once every one has its first snapshot. */
async function subscribeAll(port: number, apiKey: string, executionId: string, n: number, onEvent: (e: ProgramExecution) => void): Promise<Client[]> {
  const clients: Client[] = [];
  let first = 0;
  for (let i = 0; i < n; i += 100) {
    const batch: Array<Promise<void>> = [];
    for (let j = i; j < Math.min(n, i + 100); j++) {
      const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { "x-api-key": apiKey }, retryAttempts: 0 });
      clients.push(client);
      batch.push(
        new Promise<void>((resolve, reject) => {
          let got = false;
          client.subscribe<{ executionProgress: ProgramExecution }>(
            { query: QUERY, variables: { id: executionId } },
            {
              next: (r) => {
                if (!got) {
                  got = true;
                  first++;
                  resolve();
                  return;
                }
                if (r.data) onEvent(r.data.executionProgress);
              },
              error: reject,
              complete: () => undefined,
            },
          );
        }),
      );
    }
    await Promise.all(batch);
  }
  if (first !== n) throw new Error(`only ${first} of ${n} subscribed`);
  return clients;
}

/** One counter-only commit as the dispatcher makes it (a claim), published after commit; answers the commit's time. */
async function commitProgress(app: App, executionId: string, commits: Map<number, number>): Promise<number> {
  const snapshot = await app.db.transaction(async (tx) => {
    const rows = await tx.query<{ contact_id: string }>("SELECT contact_id FROM execution_contacts WHERE execution_id = ? AND status = ? LIMIT 1", [executionId, C.PENDING]);
    await tx.execute("UPDATE execution_contacts SET status = ? WHERE execution_id = ? AND contact_id = ?", [C.IN_PROGRESS, executionId, rows[0].contact_id]);
    await tx.execute(
      "UPDATE program_executions SET contacts_pending = contacts_pending - 1, contacts_in_progress = contacts_in_progress + 1, sequence_no = sequence_no + 1, updated_at = ? WHERE id = ?",
      [Date.now(), executionId],
    );
    const after = (await readExecution(tx, executionId))!;
    tx.afterCommit(() => {
      commits.set(after.sequence, performance.now());
      app.bus.publishExecution(after, "progress");
    });
    return after;
  });
  return snapshot.sequence;
}

async function rawRedisBaseline(n: number, rounds: number): Promise<number[]> {
  const channel = `${prefix}raw`;
  const subs: Redis[] = [];
  const samples: number[] = [];
  let sentAt = 0;
  let received = 0;
  for (let i = 0; i < n; i++) {
    const r = new Redis(redisUrl, { lazyConnect: true, enableReadyCheck: false });
    r.on("error", () => undefined);
    await r.connect();
    await r.subscribe(channel);
    r.on("message", () => {
      samples.push(performance.now() - sentAt);
      received++;
    });
    subs.push(r);
  }
  const pub = new Redis(redisUrl);
  for (let round = 0; round < rounds; round++) {
    received = 0;
    sentAt = performance.now();
    await pub.publish(channel, JSON.stringify({ round, padding: "x".repeat(600) }));
    for (let i = 0; received < n && i < 500; i++) await sleep(10);
    await sleep(INTERVAL_MS);
  }
  pub.disconnect();
  for (const r of subs) r.disconnect();
  return samples;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function main() {
  await recreateDatabase(dbUrl);

  // This process: migrations, setup, and the commits (the dispatcher's part); its bus publishes to Redis.
  const app = await createApp(loadConfig({ DATABASE_URL: dbUrl, REDIS_URL: redisUrl, VOICECAST_REDIS_PREFIX: prefix, VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "warn" }));
  const { organizationId, apiKey } = await app.services.organizations.createOrganization("bench");
  const phones = Array.from({ length: ROUNDS + 10 }, (_, i) => `+1415${2_000_000 + i * 10 + 1}`);
  const contacts = await app.services.contacts.upsertContacts(organizationId, phones.map((primaryPhone) => ({ primaryPhone })));
  const audience = await app.services.audiences.createAudience(organizationId, { name: "bench" });
  await app.services.audiences.addContacts(organizationId, audience.id, contacts.map((c) => c.id));
  const flow = await app.services.flows.createFlow(organizationId, {
    name: "bench",
    startNodeId: "dial",
    nodes: [
      { id: "dial", type: "dial", config: { timeout: 30000, enableAMD: true }, outputs: { onAnswer: "bye", onVoicemail: "bye" } },
      { id: "bye", type: "hangup", config: { reason: "done", hangupType: "normal" }, outputs: {} },
    ],
  });
  const program = await app.services.programs.createProgram(organizationId, { name: "bench", audienceId: audience.id, flowId: flow.id, retryStrategy: { type: "none" } });
  const execution = await app.services.executions.launch(organizationId, program.id);

  const lines: string[] = [];
  const log = (s: string) => {
    console.log(s);
    lines.push(s);
  };
  log(`# live progress bench — ${new Date().toISOString()} — ${machine()} — load average at start ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  log("");
  log(`Command: \`npm run build && BENCH_DATABASE_URL=${dbUrl} BENCH_REDIS_URL=${redisUrl} node dist/bench/subscriptions-latency.js ${N} ${ROUNDS}\``);
  log("");

  // ---- latency ----
  const api = await startApi(await freePort());
  const commits = new Map<number, number>();
  const latencies: number[] = [];
  const perRound = new Map<number, number>();
  const firstBySeq = new Map<number, number>();
  const lastBySeq = new Map<number, number>();
  const clients = await subscribeAll(api.port, apiKey, execution.id, N, (e) => {
    const at = commits.get(e.sequence);
    if (at === undefined) return;
    const ms = performance.now() - at;
    latencies.push(ms);
    if (!firstBySeq.has(e.sequence)) firstBySeq.set(e.sequence, ms);
    lastBySeq.set(e.sequence, ms);
    perRound.set(e.sequence, (perRound.get(e.sequence) ?? 0) + 1);
  });
  await sleep(500);
  let lost = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const seq = await commitProgress(app, execution.id, commits);
    for (let i = 0; (perRound.get(seq) ?? 0) < N && i < 500; i++) await sleep(10);
    lost += N - (perRound.get(seq) ?? 0);
    await sleep(INTERVAL_MS + 50); // past the progress interval: no coalescing delay in the numbers
  }
  const memAfterLatency = await api.memory();
  await Promise.all(clients.map((c) => c.dispose()));
  await stopApi(api);
  const l = summary(latencies);
  log(`## Commit → client receipt, ${N} subscribers on one API process, ${ROUNDS} commits (${latencies.length} receipts, ${lost} missing)`);
  log("");
  log("| path | p50 | p90 | p99 | max |");
  log("|---|---:|---:|---:|---:|");
  const first = summary([...firstBySeq.values()]);
  const last = summary([...lastBySeq.values()]);
  log(`| graphql-ws via Redis and the API process: every receipt | ${l.p50.toFixed(1)} ms | ${l.p90.toFixed(1)} ms | ${l.p99.toFixed(1)} ms | ${l.max.toFixed(1)} ms |`);
  log(`| … the first client of each commit | ${first.p50.toFixed(1)} ms | ${first.p90.toFixed(1)} ms | ${first.p99.toFixed(1)} ms | ${first.max.toFixed(1)} ms |`);
  log(`| … the last client of each commit | ${last.p50.toFixed(1)} ms | ${last.p90.toFixed(1)} ms | ${last.p99.toFixed(1)} ms | ${last.max.toFixed(1)} ms |`);

  const raw = summary(await rawRedisBaseline(N, Math.min(ROUNDS, 20)));
  log(`| raw Redis pub/sub to ${N} ioredis subscribers (floor, same machine) | ${raw.p50.toFixed(1)} ms | ${raw.p90.toFixed(1)} ms | ${raw.p99.toFixed(1)} ms | ${raw.max.toFixed(1)} ms |`);
  log("");
  log(`API process with ${N} active subscriptions: RSS ${(memAfterLatency.rss / 2 ** 20).toFixed(0)} MiB, heap ${(memAfterLatency.heapUsed / 2 ** 20).toFixed(0)} MiB (after GC).`);
  log("");

  // ---- memory per idle subscription, on a fresh API process ----
  const fresh = await startApi(await freePort());
  const warm = await subscribeAll(fresh.port, apiKey, execution.id, 50, () => undefined);
  await Promise.all(warm.map((c) => c.dispose()));
  await sleep(1000);
  const before = await fresh.memory();
  const idle = await subscribeAll(fresh.port, apiKey, execution.id, N, () => undefined);
  await sleep(2000);
  const after = await fresh.memory();
  const rssPer = (after.rss - before.rss) / N / 1024;
  const heapPer = (after.heapUsed - before.heapUsed) / N / 1024;
  log(`## Memory per idle subscription (fresh API process, ${N} subscriptions, each its own socket)`);
  log("");
  log("| | before | after | per subscription |");
  log("|---|---:|---:|---:|");
  log(`| RSS | ${(before.rss / 2 ** 20).toFixed(1)} MiB | ${(after.rss / 2 ** 20).toFixed(1)} MiB | ${rssPer.toFixed(1)} KB |`);
  log(`| heap used (after GC) | ${(before.heapUsed / 2 ** 20).toFixed(1)} MiB | ${(after.heapUsed / 2 ** 20).toFixed(1)} MiB | ${heapPer.toFixed(1)} KB |`);
  await Promise.all(idle.map((c) => c.dispose()));
  await stopApi(fresh);

  await app.stop();
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "subscriptions.md"), `${lines.join("\n")}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
