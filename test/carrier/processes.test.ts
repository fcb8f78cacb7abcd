import { ChildProcess, spawn } from "node:child_process";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { App, createApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { attemptsOf, contactsOf, killAllDispatchers, privateServerDatabase, readExec, spawnDispatcher, startSampler, waitFinished, waitFor } from "../dispatcher/support";
import type { CarrierEmulator } from "../support/carrier-emulator";
import { phones } from "../support/fixtures";
import { expectCountersTrue } from "../support/invariants";
import { freePort, MAIN_JS, waitForHttp } from "../support/processes";
import { describeServerDb, SERVER_REDIS_URL } from "../support/targets";
import { newOrg } from "../support/test-app";
import { carrierEnv, carrierProgram, newEmulator, personAnsweredPerNumber } from "./support";

// Real processes on one MariaDB and one Redis: dispatchers place calls through the carrier emulator, and the
// carrier's webhooks land on a different process (the api role only). This process only launches and watches.
describeServerDb("real calls across processes (MariaDB + Redis)", () => {
  let app: App;
  let url = "";
  let drop: () => Promise<void> = async () => {};
  let emulator: CarrierEmulator;
  let port = 0;
  let api: ChildProcess | null = null;

  const env = (more: Record<string, string> = {}) => ({ ...carrierEnv(emulator, port, more), REDIS_URL: SERVER_REDIS_URL ?? "", VOICECAST_REDIS_PREFIX: `vc-test-${port}:` });

  beforeAll(async () => {
    const db = await privateServerDatabase("carrier_procs");
    url = db.url;
    drop = db.drop;
    app = await createApp(loadConfig({ DATABASE_URL: url, VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "silent" }));
    emulator = await newEmulator();
    port = await freePort();
    // The webhooks' process: api role only, on the public URL the carrier was given.
    api = spawn(process.execPath, [MAIN_JS], {
      env: { ...process.env, ...env(), DATABASE_URL: url, VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "warn", VOICECAST_BOOTSTRAP_API_KEY: "carrier-procs-bootstrap-key" },
      stdio: "ignore",
    });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  });
  afterEach(async () => {
    await killAllDispatchers();
    emulator.resetSwitches();
  });
  afterAll(async () => {
    await killAllDispatchers();
    api?.kill("SIGKILL");
    await emulator?.stop();
    await app?.stop();
    await drop();
  });

  it("the dispatcher places calls in one process, webhooks are served by another; the counter invariant holds in every sample", async () => {
    const { organizationId } = await newOrg(app);
    const { programId } = await carrierProgram(app, organizationId, { phones: phones(60, undefined, 5000), retryStrategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 2 }, maxConcurrentCalls: 15 });
    const dispatcher = spawnDispatcher(url, env());
    await dispatcher.ready;
    const execution = await app.services.executions.launch(organizationId, programId);
    const sampler = startSampler(() => readExec(app, execution.id));
    const done = await waitFinished(app, execution.id, 60_000);
    const samples = await sampler.stop();
    expect(samples.length).toBeGreaterThan(5);
    expect(done).toMatchObject({ status: "completed", contactsCompleted: 36, contactsFailed: 24 });
    await expectCountersTrue(app.db, execution.id);
    // The dispatcher never served a webhook: it has no api role and listens on no port.
    expect(dispatcher.output()).not.toContain("API listening");
  });

  it("SIGKILL the dispatcher after it placed calls: the results still land, and nobody a person answered is dialled twice", async () => {
    const { organizationId } = await newOrg(app);
    emulator.setTiming({ callMs: 1500 }); // long calls: they are all live when the dispatcher dies
    const numbers = phones(20, 1, 6000);
    const { programId } = await carrierProgram(app, organizationId, { phones: numbers, retryStrategy: { type: "fixed_delay", delayMinutes: 0.001, maxRetries: 2 }, maxConcurrentCalls: 20 });
    const callsToThem = () => emulator.calls().filter((c) => numbers.includes(c.to));
    const first = spawnDispatcher(url, env());
    await first.ready;
    const execution = await app.services.executions.launch(organizationId, programId);
    await waitFor("20 calls placed", async () => (callsToThem().length >= 20 ? true : null), 20_000);
    first.child.kill("SIGKILL");
    await first.exited;
    // A second dispatcher: it must not reclaim or redial calls the carrier still runs.
    const second = spawnDispatcher(url, env());
    await second.ready;
    const done = await waitFinished(app, execution.id, 60_000);
    expect(done).toMatchObject({ status: "completed", contactsCompleted: 20 });
    const attempts = await attemptsOf(app, execution.id);
    expect(attempts).toHaveLength(20);
    expect(attempts.every((a) => a.outcome === "completed" && a.failureReason === null)).toBe(true);
    for (const n of numbers) expect(personAnsweredPerNumber(emulator).get(n) ?? 0, n).toBe(1);
    expect(callsToThem()).toHaveLength(20);
    await expectCountersTrue(app.db, execution.id);
    emulator.setTiming({ callMs: null });
  });

  it("VOICECAST_CALLS_PER_SECOND=5 with two dispatchers: never more than 5 new calls in any one-second window; a 429 storm uses no attempt", async () => {
    const { organizationId } = await newOrg(app);
    const creates = emulator.creates().length;
    emulator.failNextCreates(10, 429);
    const { programId } = await carrierProgram(app, organizationId, { phones: phones(30, 0, 7000), maxConcurrentCalls: 30 });
    const cps = env({ VOICECAST_CALLS_PER_SECOND: "5" });
    const [a, b] = [spawnDispatcher(url, cps), spawnDispatcher(url, cps)];
    await Promise.all([a.ready, b.ready]);
    const execution = await app.services.executions.launch(organizationId, programId);
    const done = await waitFinished(app, execution.id, 90_000);
    expect(done).toMatchObject({ status: "completed", contactsCompleted: 30 });
    const mine = emulator.creates().slice(creates);
    expect(mine.length).toBe(40); // 10 refused with 429, then 30 placed
    let most = 0;
    for (let i = 0, j = 0; j < mine.length; j++) {
      while (mine[j].atMs - mine[i].atMs >= 1000) i++;
      most = Math.max(most, j - i + 1);
    }
    expect(most, mine.map((c, i) => (i ? c.atMs - mine[i - 1].atMs : 0)).join(" ")).toBeLessThanOrEqual(5);
    const attempts = await attemptsOf(app, execution.id);
    expect(attempts).toHaveLength(30);
    expect((await contactsOf(app, execution.id)).every((c) => c.attempts === 1)).toBe(true);
    await expectCountersTrue(app.db, execution.id);
  }, 120_000);
});
