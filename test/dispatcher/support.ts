import { ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { App } from "../../src/app";
import { ProgramExecution } from "../../src/modules/execution/execution.entity";
import { expectSumInvariant } from "../support/invariants";

export { privateDatabase, privateServerDatabase } from "../support/targets";

/** Fast settings for tests: short calls and a short loop. */
export function dispatcherEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return { VOICECAST_SIM_CALL_MS: "50", VOICECAST_POLL_MS: "20", VOICECAST_LEASE_MS: "5000", VOICECAST_DRAIN_MS: "5000", ...overrides };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` answers a value (not undefined/false/null), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Reads the execution straight from the database (no organization filter). */
export async function readExec(app: App, id: string): Promise<ProgramExecution> {
  return app.db.read((r) => r.manager.findOneByOrFail(ProgramExecution, { id }));
}

export function waitFinished(app: App, id: string, timeoutMs = 45_000): Promise<ProgramExecution> {
  return waitFor("the execution to finish", async () => {
    const e = await readExec(app, id);
    return e.actualEndAt ? e : null;
  }, timeoutMs);
}

export interface AttemptRow {
  contactId: string;
  attemptNumber: number;
  outcome: string | null;
  failureReason: string | null;
  flowOutcome: string | null;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  path: string[] | null;
  variables: Record<string, unknown> | null;
}

export async function attemptsOf(app: App, executionId: string): Promise<AttemptRow[]> {
  const rows = await app.db.read((r) =>
    r.query<Record<string, unknown>>(
      `SELECT contact_id, attempt_number, outcome, failure_reason, flow_outcome, started_at, answered_at, ended_at, path, variables
       FROM call_attempts WHERE execution_id = ? ORDER BY contact_id, attempt_number`,
      [executionId],
    ),
  );
  return rows.map((r) => ({
    contactId: String(r.contact_id),
    attemptNumber: Number(r.attempt_number),
    outcome: (r.outcome as string | null) ?? null,
    failureReason: (r.failure_reason as string | null) ?? null,
    flowOutcome: (r.flow_outcome as string | null) ?? null,
    startedAt: Number(r.started_at),
    answeredAt: r.answered_at == null ? null : Number(r.answered_at),
    endedAt: r.ended_at == null ? null : Number(r.ended_at),
    path: r.path == null ? null : JSON.parse(String(r.path)),
    variables: r.variables == null ? null : JSON.parse(String(r.variables)),
  }));
}

export interface ContactRow {
  contactId: string;
  phone: string;
  status: string;
  attempts: number;
  nextAttemptAt: number | null;
  lastOutcome: string | null;
}

export async function contactsOf(app: App, executionId: string): Promise<ContactRow[]> {
  const rows = await app.db.read((r) =>
    r.query<Record<string, unknown>>(
      "SELECT contact_id, primary_phone, status, attempts, next_attempt_at, last_outcome FROM execution_contacts WHERE execution_id = ? ORDER BY contact_id",
      [executionId],
    ),
  );
  return rows.map((r) => ({
    contactId: String(r.contact_id),
    phone: String(r.primary_phone),
    status: String(r.status),
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at == null ? null : Number(r.next_attempt_at),
    lastOutcome: (r.last_outcome as string | null) ?? null,
  }));
}

/** Attempts per contact: numbered 1..n with no gaps or repeats, each starting after the previous one ended. */
export function expectAttemptsWellFormed(attempts: AttemptRow[], contacts: ContactRow[]): void {
  const byContact = new Map<string, AttemptRow[]>();
  for (const a of attempts) byContact.set(a.contactId, [...(byContact.get(a.contactId) ?? []), a]);
  for (const c of contacts) {
    const list = (byContact.get(c.contactId) ?? []).sort((x, y) => x.attemptNumber - y.attemptNumber);
    expect(list.map((a) => a.attemptNumber), `attempt numbers of ${c.contactId}`).toEqual(list.map((_, i) => i + 1));
    expect(list.length, `attempts of ${c.contactId}`).toBe(c.attempts);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      expect(prev.endedAt, `attempt ${prev.attemptNumber} of ${c.contactId} is closed`).not.toBeNull();
      expect(list[i].startedAt, `attempt ${i + 1} of ${c.contactId} starts after attempt ${i} ended`).toBeGreaterThanOrEqual(prev.endedAt!);
    }
  }
}

/**
 * Reads the execution every few ms until stopped, checking the counter invariant on every sample and that
 * `sequence` never goes down. `stop()` answers the samples.
 */
export function startSampler(read: () => Promise<ProgramExecution>, everyMs = 15): { stop: () => Promise<ProgramExecution[]> } {
  const samples: ProgramExecution[] = [];
  let running = true;
  let failure: unknown = null;
  const loop = (async () => {
    while (running) {
      try {
        const e = await read();
        const prev = samples[samples.length - 1];
        expectSumInvariant(e);
        if (prev) expect(e.sequence, "sequence never goes down").toBeGreaterThanOrEqual(prev.sequence);
        samples.push(e);
      } catch (err) {
        failure ??= err;
      }
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      if (failure) throw failure;
      return samples;
    },
  };
}

// ---- dispatcher processes ----------------------------------------------------------------------------------

const MAIN = join(__dirname, "..", "..", "dist", "src", "main.js");

export interface DispatcherProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the process logged that its dispatcher started. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node dist/src/main.js` with the dispatcher role only (npm test builds dist first). */
export function spawnDispatcher(databaseUrl: string, env: Record<string, string>): DispatcherProcess {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  let output = "";
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl, VOICECAST_ROLES: "dispatcher", VOICECAST_LOG_LEVEL: "info", VOICECAST_BOOTSTRAP_API_KEY: "dispatcher-test-bootstrap-key" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let started: () => void = () => {};
  const ready = new Promise<void>((resolve) => (started = resolve));
  const collect = (d: unknown) => {
    output = (output + String(d)).slice(-200_000);
    if (output.includes('"msg":"dispatcher started"')) started();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  spawned.add(child);
  void exited.then(() => spawned.delete(child));
  return { child, output: () => output, ready, exited };
}

const spawned = new Set<ChildProcess>();

/** Kills every dispatcher process a test started and still running (afterEach/afterAll, also after a failure). */
export async function killAllDispatchers(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const child of spawned) {
    if (child.exitCode === null && child.signalCode === null) {
      waits.push(new Promise((r) => child.once("exit", r)));
      child.kill("SIGKILL");
    }
  }
  await Promise.all(waits);
  spawned.clear();
}
