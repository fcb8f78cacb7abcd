// The dashboard under a fast execution (measured, not asserted):
//
//   One page open in Chromium (Debian's, driven by playwright-core) on /dashboard/executions/{id} of an execution of
//   N contacts (default 10,000) run by a real `node dist/src/main.js` (MariaDB + Redis when BENCH_DATABASE_URL /
//   BENCH_REDIS_URL are set, else a SQLite file; simulator with
//   VOICECAST_SIM_CALL_MS=0, so events come at the coalescing rate, VOICECAST_PROGRESS_INTERVAL_MS=250). The run's
//   length is set by the program's maxConcurrentCalls (argument 2): with 0 ms calls the dispatcher claims again as
//   soon as calls end, so the run goes at the database's pace: on MariaDB, 2 concurrent calls take about 60 s for
//   10,000 contacts here (SQLite is too fast for that: 10,000 in about 6 s even with 1).
//
//   lag:  a separate graphql-ws client in this process follows the same executionProgress subscription and stamps
//         each published `sequence` as it arrives; the page stamps (requestAnimationFrame, so at most one frame
//         late) the moment its data-field="sequence" first shows each value or a later one. Lag = page − client,
//         per published sequence. Same machine, same clock.
//   heap: the page's JS heap (CDP Performance.getMetrics JSHeapUsedSize) every 5 s, and at the end after a GC.
//
//   npm run build && BENCH_DATABASE_URL=mariadb://root@127.0.0.1:3306/voicecast_bench_dashboard BENCH_REDIS_URL=redis://127.0.0.1:6379 \
//     node dist/bench/dashboard.js [contacts=10000] [maxConcurrentCalls=2]
//
// Results are printed and written to bench/results/dashboard.md.
import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, sep } from "node:path";
import { createClient } from "graphql-ws";
import { chromium } from "playwright-core";
import WebSocket from "ws";
import { recreateDatabase } from "../src/db/mysql-admin";
import { machine } from "./support";

const N = Number(process.argv[2] ?? 10_000);
const MAX_CONCURRENT = Number(process.argv[3] ?? 2);
const CHROMIUM = process.env.VOICECAST_CHROMIUM ?? "/usr/bin/chromium";
const ROOT = __dirname.split(sep).includes("dist") ? join(__dirname, "..", "..") : join(__dirname, "..");
const KEY = "bench-dashboard-key-0123456789";
// MariaDB (recreated) + Redis when given, else a SQLite file and in-process pub/sub.
const DB_URL = process.env.BENCH_DATABASE_URL ?? null;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? null;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

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

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": KEY }, body: JSON.stringify({ query, variables }) });
  const body = (await r.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function startServer(port: number): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), "vc-bench-dashboard-"));
  if (DB_URL) await recreateDatabase(DB_URL);
  const child = spawn(process.execPath, [join(ROOT, "dist", "src", "main.js")], {
    env: {
      ...process.env,
      DATABASE_URL: DB_URL ?? `sqlite:${join(dir, "bench.sqlite")}`,
      ...(REDIS_URL ? { REDIS_URL, VOICECAST_REDIS_PREFIX: `vcbench-dashboard-${process.pid}:` } : {}),
      PORT: String(port),
      VOICECAST_BOOTSTRAP_API_KEY: KEY,
      VOICECAST_SIM_CALL_MS: "0",
      VOICECAST_PROGRESS_INTERVAL_MS: "250",
      VOICECAST_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; ; i++) {
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) return child;
    if (i > 150 || child.exitCode !== null) throw new Error("server did not start");
    await sleep(200);
  }
}

/** N contacts (mixed simulator outcomes), an audience, a one-dial flow and a program; answers the program id. */
async function seedProgram(url: string): Promise<string> {
  const ids: string[] = [];
  for (let i = 0; i < N; i += 10_000) {
    const rows = Array.from({ length: Math.min(10_000, N - i) }, (_, k) => ({ primaryPhone: `+1415${2_000_000 + i + k}` }));
    const d = await gql<{ upsertContacts: Array<{ id: string }> }>(url, "mutation ($c: [ContactInput!]!) { upsertContacts(contacts: $c) { id } }", { c: rows });
    ids.push(...d.upsertContacts.map((c) => c.id));
  }
  const audienceId = (await gql<{ createAudience: { id: string } }>(url, 'mutation { createAudience(input: { name: "bench" }) { id } }')).createAudience.id;
  for (let i = 0; i < ids.length; i += 10_000) {
    await gql(url, "mutation ($a: ID!, $c: [ID!]!) { addContactsToAudience(audienceId: $a, contactIds: $c) { id } }", { a: audienceId, c: ids.slice(i, i + 10_000) });
  }
  const flow = await gql<{ createFlow: { id: string } }>(url, "mutation ($i: FlowInput!) { createFlow(input: $i) { id } }", {
    i: {
      name: "bench",
      startNodeId: "dial",
      nodes: [
        { id: "dial", type: "dial", config: { timeout: 30000, enableAMD: true }, outputs: { onAnswer: "bye", onVoicemail: "bye" } },
        { id: "bye", type: "hangup", config: { reason: "done", hangupType: "normal" }, outputs: {} },
      ],
    },
  });
  const program = await gql<{ createProgram: { id: string } }>(url, "mutation ($i: ProgramInput!) { createProgram(input: $i) { id } }", {
    i: { name: `Bench ${N}`, audienceId, flowId: flow.createFlow.id, maxConcurrentCalls: MAX_CONCURRENT, retryStrategy: { type: "none" } },
  });
  return program.createProgram.id;
}

async function main(): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startServer(port);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const programId = await seedProgram(url);
    console.log(`seeded ${N} contacts; maxConcurrentCalls ${MAX_CONCURRENT}`);

    // Sign in first, then launch, so the page follows the whole run.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${url}/dashboard/programs`);
    await page.fill('input[name="apiKey"]', KEY);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-connection="live"]');
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const heap = async () => ((await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? NaN);

    const launched = await gql<{ launchProgram: { id: string } }>(url, "mutation ($p: ID!) { launchProgram(programId: $p) { id } }", { p: programId });
    const executionId = launched.launchProgram.id;

    // The reference: the time each sequence was published to a subscriber.
    const published = new Map<number, number>();
    let lastPublished = 0;
    const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { "x-api-key": KEY } });
    const finished = new Promise<void>((resolve, reject) => {
      client.subscribe<{ executionProgress: { sequence: number } }>(
        { query: "subscription ($id: ID!) { executionProgress(executionId: $id) { sequence actualEndAt } }", variables: { id: executionId } },
        {
          next: (r) => {
            const s = r.data!.executionProgress.sequence;
            if (!published.has(s)) published.set(s, Date.now());
            lastPublished = Math.max(lastPublished, s);
          },
          error: reject,
          complete: resolve,
        },
      );
    });

    await page.goto(`${url}/dashboard/executions/${executionId}`);
    await page.waitForSelector('[data-field="sequence"]');
    await page.evaluate(`(() => {
      window.__seen = [];
      let last = -1;
      const tick = () => {
        const el = document.querySelector('[data-field="sequence"]');
        const s = el ? Number(el.textContent) : -1;
        if (s !== last) { last = s; window.__seen.push([Date.now(), s]); }
        requestAnimationFrame(tick);
      };
      tick();
    })()`);
    const heapStart = await heap();
    const heapSamples: number[] = [heapStart];
    const started = Date.now();
    const sampler = setInterval(() => void heap().then((h) => heapSamples.push(h)), 5_000);
    await finished;
    clearInterval(sampler);
    const runSeconds = (Date.now() - started) / 1000;
    // Let the page draw the last event.
    for (let i = 0; i < 50; i++) {
      const shown = Number(await page.textContent('[data-field="sequence"]'));
      if (shown >= lastPublished) break;
      await sleep(100);
    }
    await sleep(200); // one more frame for the page's own stamp
    const seen = (await page.evaluate("window.__seen")) as Array<[number, number]>;
    await cdp.send("HeapProfiler.collectGarbage");
    const heapEnd = await heap();
    await client.dispose();

    const lags: number[] = [];
    let missing = 0;
    for (const [sequence, at] of published) {
      const shownAt = seen.find(([, s]) => s >= sequence)?.[0];
      if (shownAt === undefined) missing++;
      else lags.push(Math.max(0, shownAt - at));
    }
    lags.sort((a, b) => a - b);
    const final = await gql<{ programExecution: { contactsCompleted: number; contactsFailed: number; actualStartAt: string; actualEndAt: string } }>(
      url,
      "query ($id: ID!) { programExecution(id: $id) { contactsCompleted contactsFailed actualStartAt actualEndAt } }",
      { id: executionId },
    );
    const e = final.programExecution;
    const lines = [
      `# Dashboard under load (${new Date().toISOString().slice(0, 10)})`,
      "",
      `Machine: ${machine()}; Chromium headless; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")} at the end.`,
      `Execution: ${N} contacts, VOICECAST_SIM_CALL_MS=0, maxConcurrentCalls ${MAX_CONCURRENT}, progress interval 250 ms, ${DB_URL ? "MariaDB" + (REDIS_URL ? " + Redis" : "") : "SQLite"};`,
      `ran ${((Date.parse(e.actualEndAt) - Date.parse(e.actualStartAt)) / 1000).toFixed(1)} s (${e.contactsCompleted + e.contactsFailed} calls); followed for ${runSeconds.toFixed(1)} s.`,
      "",
      "| published sequences | shown by the page | never shown (skipped by a later one) | lag p50 | lag p99 | lag max |",
      "|---:|---:|---:|---:|---:|---:|",
      `| ${published.size} | ${seen.length} | ${missing} | ${percentile(lags, 50)} ms | ${percentile(lags, 99)} ms | ${lags[lags.length - 1]} ms |`,
      "",
      "| JS heap at start | max while running | at the end, after GC |",
      "|---:|---:|---:|",
      `| ${mb(heapStart)} | ${mb(Math.max(...heapSamples))} | ${mb(heapEnd)} |`,
      "",
      `Heap samples every 5 s: ${heapSamples.map((h) => (h / 2 ** 20).toFixed(1)).join(", ")} MB.`,
    ];
    const text = lines.join("\n");
    console.log(text);
    mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
    writeFileSync(join(ROOT, "bench", "results", "dashboard.md"), text + "\n");
  } finally {
    await browser.close();
    server.kill("SIGKILL");
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
