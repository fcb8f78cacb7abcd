// Calling rules at scale (measured, not asserted), on MariaDB: an audience of 1,000,000 contacts spread over more than
// 50 time zones and a do-not-call list of 1,000,000 numbers (10,000 of them in the audience), the same runs with and
// without the rules:
//   - launch time (the snapshot copy groups contacts by zone and skips listed numbers);
//   - claim throughput: attempts per second of a dispatcher process (simulator, 0 ms calls) over a fixed window;
//   - the time a claim takes to find nothing due when every zone is closed, for audiences of 10,000, 100,000 and
//     1,000,000 (it should not grow with the audience).
//
//   npm run build && BENCH_DATABASE_URL=mariadb://root@127.0.0.1:3306/voicecast_bench_rules \
//     node -r @swc-node/register bench/rules.ts [contacts=1000000] [windowSeconds=40]
//
// The database named in the URL is dropped and recreated. Results go to stdout and bench/results/rules.md.
import "reflect-metadata";
import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createApp, type App } from "../src/app";
import { loadConfig } from "../src/config/config";
import { recreateDatabase } from "../src/db/mysql-admin";
import { Claimer } from "../src/modules/dispatcher/claimer";
import { timeZonesOf, zoneKeyOf } from "../src/modules/rules/time-zones";
import { ManualClock } from "../src/shared/clock";
import { createLogger } from "../src/shared/logger";
import { fmtMs, machine } from "./support";

const url = process.env.BENCH_DATABASE_URL ?? "mariadb://root@127.0.0.1:3306/voicecast_bench_rules";
const SIZE = Number(process.argv[2] ?? 1_000_000);
const WINDOW_S = Number(process.argv[3] ?? 40);
const MAIN = join(__dirname, "..", "dist", "src", "main.js");

// National prefixes, each in a zone of its own (one or two numbers per country or area code): 60 zone sets.
const PREFIXES = [
  "+1212", "+1312", "+1303", "+1415", "+1602", "+1808", "+1907", "+1416", "+1604", "+1902",
  "+52155", "+5511", "+5491", "+5622", "+5712", "+5114", "+5932", "+58212", "+5982", "+5959",
  "+442071", "+33142", "+49301", "+34912", "+39061", "+31201", "+32221", "+41441", "+43151", "+46812",
  "+47221", "+45331", "+35891", "+48221", "+42022", "+36123", "+30210", "+35121", "+35315", "+7495",
  "+90212", "+97235", "+97143", "+96611", "+2721", "+23411", "+25420", "+2022", "+91223", "+92213",
  "+88029", "+66221", "+84241", "+62215", "+65612", "+8621", "+8522", "+8133", "+8221", "+6129",
];

async function seed(app: App, organizationId: string, audienceId: string, size: number, offset: number): Promise<number> {
  const now = Date.now();
  const keys = PREFIXES.map((p) => {
    const zones = timeZonesOf(`${p}0000000`);
    return { prefix: p, zones, key: zoneKeyOf(zones) };
  });
  const zoneSets = new Set(keys.map((k) => k.key));
  const per = Math.ceil(size / keys.length);
  await app.db.transaction(async (tx) => {
    await tx.execute(
      `${tx.dialect.insertIgnore} INTO time_zone_sets (zone_key, time_zones) VALUES ${keys.map(() => "(?, ?)").join(", ")}`,
      keys.flatMap((k) => [k.key, k.zones.join("&")]),
    );
    for (const k of keys) {
      const series = tx.dialect.series(per);
      await tx.execute(
        `${series.with} INSERT INTO contacts (id, organization_id, primary_phone, zone_key, first_name, last_name, primary_email, custom_attributes, created_at, updated_at)
         SELECT ${tx.dialect.uuid}, ?, ${tx.dialect.concat("?", "LPAD(? + seq, 7, '0')")}, ?, NULL, NULL, NULL, '{}', ?, ? FROM ${series.from}`,
        [organizationId, k.prefix, offset, k.key, now, now],
      );
    }
    await tx.execute("INSERT INTO audience_contacts (audience_id, contact_id, created_at) SELECT ?, id, ? FROM contacts WHERE organization_id = ?", [audienceId, now, organizationId]);
  });
  console.log(`${zoneSets.size} zone sets, ${new Set(keys.flatMap((k) => k.zones)).size} time zones`);
  return zoneSets.size;
}

async function seedDnc(app: App, organizationId: string, size: number): Promise<void> {
  const now = Date.now();
  await app.db.transaction(async (tx) => {
    // 990,000 numbers no contact has, and 10,000 of the audience's.
    for (let i = 0; i < size - 10_000; i += 500_000) {
      const series = tx.dialect.series(Math.min(500_000, size - 10_000 - i));
      await tx.execute(
        `${series.with} INSERT INTO dnc_numbers (organization_id, number, reason, source, created_at)
         SELECT ?, ${tx.dialect.concat("'+1999'", "LPAD(? + seq, 7, '0')")}, NULL, 'api', ? FROM ${series.from}`,
        [organizationId, i, now],
      );
    }
    await tx.execute(
      `INSERT INTO dnc_numbers (organization_id, number, reason, source, created_at) SELECT organization_id, primary_phone, NULL, 'api', ? FROM contacts WHERE organization_id = ? ORDER BY id LIMIT 10000`,
      [now, organizationId],
    );
  });
}

function startDispatcher(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: url, VOICECAST_ROLES: "dispatcher", VOICECAST_SIM_CALL_MS: "0", VOICECAST_LOG_LEVEL: "info", VOICECAST_BOOTSTRAP_API_KEY: "bench-rules-bootstrap-key" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out = (out + String(d)).slice(-10_000);
      if (out.includes("dispatcher started")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`dispatcher exited with ${code}`)));
  });
}

async function attemptsOf(app: App, executionId: string): Promise<number> {
  const [{ n }] = await app.db.read((r) => r.query<{ n: string }>("SELECT COUNT(*) AS n FROM call_attempts WHERE execution_id = ?", [executionId]));
  return Number(n);
}

/** Launches, then lets one dispatcher call for WINDOW_S seconds; answers launch time and attempts per second. */
async function run(app: App, organizationId: string, programId: string): Promise<{ launchMs: number; perSecond: number; skipped: number }> {
  const t0 = performance.now();
  const e = await app.services.executions.launch(organizationId, programId);
  const launchMs = performance.now() - t0;
  const skipped = e.contactsSkipped;
  const dispatcher = await startDispatcher();
  await new Promise((r) => setTimeout(r, SIZE >= 100_000 ? 3000 : 0)); // warm up
  const a0 = await attemptsOf(app, e.id);
  const s0 = performance.now();
  // The window ends early when the execution does (a small audience), so the rate is over calling time only.
  let finished = false;
  while (!finished && performance.now() - s0 < WINDOW_S * 1000) {
    await new Promise((r) => setTimeout(r, 250));
    finished = (await app.services.executions.get(organizationId, e.id))!.status === "completed";
  }
  const a1 = await attemptsOf(app, e.id);
  const perSecond = (a1 - a0) / ((performance.now() - s0) / 1000);
  await new Promise<void>((resolve) => {
    dispatcher.once("exit", () => resolve());
    dispatcher.kill("SIGKILL");
  });
  if (!finished) await app.services.executions.cancel(organizationId, e.id);
  return { launchMs, perSecond, skipped };
}

/** Median time of a claim that finds nothing (every zone closed), for an audience of `size`. */
async function findNothing(app: App, clock: ManualClock, organizationId: string, programId: string): Promise<number> {
  const e = await app.services.executions.launch(organizationId, programId);
  const claimer = new Claimer({ db: app.db, clock, events: { publishExecution: () => {} }, logger: createLogger("silent"), leaseMs: 30_000, owner: "bench", fallbackCallerId: "+15005550006" });
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    const claim = await claimer.claim({ id: e.id, organizationId }, 500);
    times.push(performance.now() - t);
    if (claim) throw new Error("a zone was open: the bench's instant is wrong");
  }
  await app.services.executions.cancel(organizationId, e.id);
  return times.sort((a, b) => a - b)[100];
}

async function main() {
  await recreateDatabase(url);
  // An instant at which every zone is outside 09:00–09:15 on Mondays: a Wednesday.
  const clock = new ManualClock(new Date("2026-12-02T12:00:00Z"));
  const app = await createApp(loadConfig({ DATABASE_URL: url, VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "warn" }), { clock: { now: () => new Date() } });
  const lines: string[] = [`## Calling rules: ${SIZE.toLocaleString("en-US")} contacts, ${PREFIXES.length} zone sets, a 1,000,000-number do-not-call list`, ""];
  lines.push(`Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Load average at the start ${loadavg()[0].toFixed(2)}.`, "");

  const { organizationId } = await app.services.organizations.createOrganization("rules bench");
  const audience = await app.services.audiences.createAudience(organizationId, { name: "bench" });
  const zones = await seed(app, organizationId, audience.id, SIZE, 0);
  await seedDnc(app, organizationId, 1_000_000);
  const flow = await app.services.flows.createFlow(organizationId, {
    name: "bench",
    startNodeId: "dial",
    nodes: [
      { id: "dial", type: "dial", config: {}, outputs: { onAnswer: "bye", onVoicemail: "bye" } },
      { id: "bye", type: "hangup", config: {}, outputs: {} },
    ],
  });
  const base = { audienceId: audience.id, flowId: flow.id, maxConcurrentCalls: 1000 };
  const plain = await app.services.programs.createProgram(organizationId, { name: "no rules", ...base });
  const rules = {
    callingHours: { start: "00:00", end: "23:59" },
    pauseWindows: { advanced: [{ startAt: "2020-01-01T00:00:00Z", endAt: "2020-01-02T00:00:00Z" }] },
  };
  const ruled = await app.services.programs.createProgram(organizationId, { name: "rules", ...base, ...rules });

  // Twice each, alternating, so neither gains from its place (a warmer buffer pool, a larger table); best of two.
  const best = (a: Awaited<ReturnType<typeof run>>, b: Awaited<ReturnType<typeof run>>) => ({
    launchMs: Math.min(a.launchMs, b.launchMs),
    perSecond: Math.max(a.perSecond, b.perSecond),
    skipped: a.skipped,
  });
  // The first run on a fresh database is always the fastest (empty attempts table, nothing to purge): discarded.
  const warm = await run(app, organizationId, plain.id);
  const r1 = await run(app, organizationId, ruled.id);
  const w1 = await run(app, organizationId, plain.id);
  const r2 = await run(app, organizationId, ruled.id);
  const w2 = await run(app, organizationId, plain.id);
  console.log({ warm, r1, w1, r2, w2 });
  const without = best(w1, w2);
  const withRules = best(r1, r2);
  lines.push(
    `Zone sets in the audience: ${zones}. The rules: calling hours 00:00–23:59 every day (all open: the claims pay for the rules without being held back), a pause window in the past, the do-not-call list (the organization has one either way, so both launches skip the 10,000 listed numbers).`,
    "",
    "| run (best of two, alternating) | launch | attempts/s over " + WINDOW_S + " s | skipped at launch |",
    "|---|---:|---:|---:|",
    `| no rules | ${fmtMs(without.launchMs)} | ${without.perSecond.toFixed(0)} | ${without.skipped.toLocaleString("en-US")} |`,
    `| with rules | ${fmtMs(withRules.launchMs)} | ${withRules.perSecond.toFixed(0)} | ${withRules.skipped.toLocaleString("en-US")} |`,
    `| ratio | ${(withRules.launchMs / without.launchMs).toFixed(2)}× (target ≤ 1.2×) | ${(withRules.perSecond / without.perSecond).toFixed(2)}× (target ≥ 0.8×) | |`,
    "",
  );

  // Nothing due: every zone closed (calling hours 09:00–09:15 on Mondays, at a Wednesday noon UTC).
  lines.push("| audience | a claim that finds nothing due (median of 200) |", "|---:|---:|");
  for (const size of [10_000, 100_000, SIZE]) {
    const org = await app.services.organizations.createOrganization(`closed ${size}`);
    const aud = await app.services.audiences.createAudience(org.organizationId, { name: "closed" });
    await seed(app, org.organizationId, aud.id, size, 0);
    const f = await app.services.flows.createFlow(org.organizationId, { name: "closed", startNodeId: "dial", nodes: [{ id: "dial", type: "dial", config: {}, outputs: {} }] });
    const p = await app.services.programs.createProgram(org.organizationId, { name: "closed", audienceId: aud.id, flowId: f.id, callingHours: { start: "09:00", end: "09:15", days: ["monday"] } });
    const ms = await findNothing(app, clock, org.organizationId, p.id);
    lines.push(`| ${size.toLocaleString("en-US")} | ${ms.toFixed(2)} ms |`);
  }
  lines.push("", `Load average at the end ${loadavg()[0].toFixed(2)}.`);
  console.log(lines.join("\n"));
  mkdirSync(join(__dirname, "results"), { recursive: true });
  writeFileSync(join(__dirname, "results", "rules.md"), lines.join("\n") + "\n");
  await app.stop();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
