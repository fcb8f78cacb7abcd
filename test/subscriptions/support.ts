import { randomUUID } from "node:crypto";
import { ChildProcess, spawn } from "node:child_process";
import { Socket } from "node:net";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { expect } from "vitest";
import type { App } from "../../src/app";
import type { Tx } from "../../src/db/db";
import { ExecutionContactStatus as C, ProgramExecution } from "../../src/modules/execution/execution.entity";
import { readExecution, finishIfDone } from "../../src/modules/execution/execution.store";
import { ExecutionProgressSubscription, GetExecutionDocument } from "../generated/graphql";
import { gqlOk } from "../support/graphql-client";
import { expectSumInvariant } from "../support/invariants";
import { DbTarget, privateServerDatabase, SERVER_REDIS_URL } from "../support/targets";

/** Env for an app under test: Redis when TEST_REDIS_URL is set (with a prefix of its own), in-process otherwise. */
export function busEnv(extra: Record<string, string> = {}): Record<string, string> {
  return SERVER_REDIS_URL ? { REDIS_URL: SERVER_REDIS_URL, VOICECAST_REDIS_PREFIX: uniquePrefix(), ...extra } : extra;
}

/** A channel prefix no other test run shares, so runs on one Redis never see each other's events. */
export function uniquePrefix(): string {
  return `vctest-${randomUUID().slice(0, 8)}:`;
}

export interface TestDb {
  url: string;
  drop(): Promise<void>;
}

/**
 * The database for one test file. SQLite: a fresh file. MariaDB: a database of the file's own next to
 * TEST_DATABASE_URL's, dropped afterwards — a dispatcher serves every execution of its database, so these tests (which
 * run dispatchers, or move counters by hand) must not share one with other test runs on this machine.
 */
export async function testDb(target: DbTarget): Promise<TestDb> {
  if (target.name === "sqlite") return { url: target.url(), drop: async () => undefined };
  return ownServerDb();
}

export function ownServerDb(): Promise<TestDb> {
  return privateServerDatabase(`live_${randomUUID().slice(0, 8)}`);
}

/** A graphql-ws client (the real client package over a real socket) that authenticates with `apiKey`. */
export function wsClient(port: number, apiKey: string | null, opts: { lazy?: boolean } = {}): Client {
  return createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: apiKey === null ? {} : { "x-api-key": apiKey },
    lazy: opts.lazy ?? true,
    retryAttempts: 0,
  });
}

export interface GraphQLWsError {
  message: string;
  extensions?: { code?: string };
}

/** Everything one subscription received, in order, and how it ended. */
export class Recorder<T> {
  readonly events: T[] = [];
  /** performance.now() at the receipt of each event. */
  readonly receivedAt: number[] = [];
  readonly errors: GraphQLWsError[] = [];
  /** Set when the subscription ended: "complete", or "error" (GraphQL errors or a closed socket in `failure`). */
  outcome: "complete" | "error" | null = null;
  failure: unknown = null;
  private readonly listeners = new Set<() => void>();
  readonly dispose: () => void;

  constructor(client: Client, query: string, variables: unknown) {
    this.dispose = client.subscribe<T>(
      { query, variables: variables as Record<string, unknown> },
      {
        next: (r) => {
          if (r.errors) this.errors.push(...(r.errors as GraphQLWsError[]));
          if (r.data) {
            this.events.push(r.data as T);
            this.receivedAt.push(performance.now());
          }
          this.notify();
        },
        error: (err) => {
          this.outcome = "error";
          this.failure = err;
          if (Array.isArray(err)) this.errors.push(...(err as GraphQLWsError[]));
          this.notify();
        },
        complete: () => {
          this.outcome ??= "complete";
          this.notify();
        },
      },
    );
  }

  get last(): T | undefined {
    return this.events[this.events.length - 1];
  }

  /** Resolves once `predicate` holds; rejects after `timeoutMs` with what was received so far. */
  until(predicate: (r: this) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; got ${this.events.length} events, outcome ${this.outcome}, errors ${JSON.stringify(this.errors)}, last ${JSON.stringify(this.last)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  ended(timeoutMs = 30_000): Promise<void> {
    return this.until((r) => r.outcome !== null, "the end of the subscription", timeoutMs);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

export function record<TData, TVars>(client: Client, doc: TypedDocumentNode<TData, TVars>, variables: TVars): Recorder<TData> {
  return new Recorder<TData>(client, print(doc), variables);
}

export type Snapshot = ExecutionProgressSubscription["executionProgress"];

/**
 * The "ordered and true": the subscription completed without errors, every event satisfies the counter
 * invariant, `sequence` strictly increases, and the last event is finished and equals the final query.
 */
export async function expectOrderedAndTrue(url: string, key: string, rec: Recorder<{ executionProgress: Snapshot }>): Promise<Snapshot> {
  expect(rec.outcome).toBe("complete");
  expect(rec.errors).toEqual([]);
  const events = rec.events.map((e) => e.executionProgress);
  expect(events.length).toBeGreaterThan(0);
  for (const e of events) expectSumInvariant(e);
  for (let i = 1; i < events.length; i++) expect(events[i].sequence).toBeGreaterThan(events[i - 1].sequence);
  const last = events[events.length - 1];
  expect(last.actualEndAt).not.toBeNull();
  expect(last).toEqual((await gqlOk(url, key, GetExecutionDocument, { id: last.id })).programExecution);
  return last;
}

/** The close code of a socket the server refused, as the graphql-ws client reports it. */
export function closeCode(failure: unknown): number | undefined {
  return (failure as { code?: number } | null)?.code;
}

export interface Step {
  /** pending → inProgress (a dispatcher's claim) */
  claim?: number;
  /** inProgress → completed (an answered call) */
  complete?: number;
  /** inProgress → failed */
  fail?: number;
  /** Publish the snapshot after commit (default true); false simulates an event lost on the way. */
  publish?: boolean;
}

/**
 * Stands in for the dispatcher where a test needs counters to move: one transaction moves contacts as a claim or
 * a call's end would, moves the counters by the rows changed, settles the execution (complete / finished), and
 * publishes the snapshot through the app's bus after commit.
 */
export async function moveContacts(app: App, executionId: string, step: Step): Promise<ProgramExecution> {
  return app.db.transaction(async (tx) => {
    const now = new Date();
    const before = (await readExecution(tx, executionId))!;
    if (step.claim) {
      const n = await moveSome(tx, executionId, C.PENDING, C.IN_PROGRESS, step.claim);
      await bump(tx, executionId, "contacts_pending", "contacts_in_progress", n, now, ", actual_start_at = COALESCE(actual_start_at, ?)", [now.getTime()]);
    }
    for (const [to, count, column] of [
      [C.COMPLETED, step.complete, "contacts_completed"],
      [C.FAILED, step.fail, "contacts_failed"],
    ] as const) {
      if (!count) continue;
      const n = await moveSome(tx, executionId, C.IN_PROGRESS, to, count);
      await bump(tx, executionId, "contacts_in_progress", column, n, now);
    }
    await finishIfDone(tx, executionId, now);
    const after = (await readExecution(tx, executionId))!;
    const statusMoved = after.status !== before.status || (after.actualEndAt === null) !== (before.actualEndAt === null);
    if (step.publish ?? true) tx.afterCommit(() => app.bus.publishExecution(after, statusMoved ? "status" : "progress"));
    return after;
  });
}

async function moveSome(tx: Tx, executionId: string, from: C, to: C, count: number): Promise<number> {
  const rows = await tx.query<{ contact_id: string }>(
    "SELECT contact_id FROM execution_contacts WHERE execution_id = ? AND status = ? ORDER BY contact_id LIMIT ?",
    [executionId, from, count],
  );
  if (rows.length === 0) return 0;
  return tx.execute(
    `UPDATE execution_contacts SET status = ? WHERE execution_id = ? AND status = ? AND contact_id IN (${rows.map(() => "?").join(", ")})`,
    [to, executionId, from, ...rows.map((r) => r.contact_id)],
  );
}

async function bump(tx: Tx, id: string, fromCol: string, toCol: string, n: number, now: Date, extraSet = "", extraParams: unknown[] = []): Promise<void> {
  if (n === 0) return;
  await tx.execute(
    `UPDATE program_executions SET ${fromCol} = ${fromCol} - ?, ${toCol} = ${toCol} + ?${extraSet}, sequence_no = sequence_no + 1, updated_at = ? WHERE id = ?`,
    [n, n, ...extraParams, now.getTime(), id],
  );
}

export { freePort } from "../support/processes";

/** A redis-server of the test's own (never the machine's), so the test may kill and restart it. */
export class OwnRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (a no-op while it runs). */
  async start(): Promise<void> {
    if (this.child && this.child.exitCode === null) return;
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    this.child = child;
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (await canConnect(this.port)) return;
      await sleep(50);
    }
    throw new Error("redis-server did not start");
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}

/** Polls `predicate` (server-side state, say) until it holds. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
