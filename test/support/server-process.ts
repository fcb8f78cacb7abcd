import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import {
  AddContactsToAudienceDocument,
  CreateAudienceDocument,
  CreateFlowDocument,
  CreateProgramDocument,
  LaunchProgramDocument,
  UpsertContactsDocument,
} from "../generated/graphql";
import { phones, SIMPLE_FLOW } from "./fixtures";
import { gqlOk } from "./graphql-client";
import { exited, freePort, startService, waitForHttp } from "./processes";

/** A real `node dist/src/main.js` on a SQLite file, restartable on the same port and file. */
export class ServerProcess {
  readonly key = "dashboard-test-key-0123456789";
  child: ChildProcess | null = null;
  private log: () => string = () => "";

  private constructor(
    readonly port: number,
    readonly databaseUrl: string,
    readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<ServerProcess> {
    const dbUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), "vc-dashboard-")), "dashboard.sqlite")}`;
    const s = new ServerProcess(await freePort(), dbUrl, env);
    await s.restart();
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  output(): string {
    return this.log();
  }

  async restart(): Promise<void> {
    const svc = startService({
      DATABASE_URL: this.databaseUrl,
      PORT: String(this.port),
      VOICECAST_BOOTSTRAP_API_KEY: this.key,
      VOICECAST_POLL_MS: "50",
      VOICECAST_PROGRESS_INTERVAL_MS: "100",
      VOICECAST_DRAIN_MS: "5000",
      ...this.env,
    });
    this.child = svc.child;
    this.log = svc.output;
    await waitForHttp(`${this.url}/readyz`);
  }

  /** SIGTERM: graphql-ws clients see the server close their sockets (1001), calls in progress drain. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill("SIGTERM");
    await exited(child);
  }

  kill(): void {
    if (this.child && this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  async rest(method: string, path: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await fetch(`${this.url}${path}`, { method, headers: { "x-api-key": this.key } });
    return { status: r.status, body: await r.json() };
  }

  /** Contacts → audience → flow → program over GraphQL; answers the program id. */
  async createProgram(opts: { contacts: number; offset: number; maxConcurrentCalls: number; name?: string }): Promise<string> {
    const contacts = (await gqlOk(this.url, this.key, UpsertContactsDocument, { contacts: phones(opts.contacts, undefined, opts.offset).map((primaryPhone) => ({ primaryPhone })) })).upsertContacts;
    const audience = (await gqlOk(this.url, this.key, CreateAudienceDocument, { input: { name: `audience ${opts.offset}` } })).createAudience;
    await gqlOk(this.url, this.key, AddContactsToAudienceDocument, { audienceId: audience.id, contactIds: contacts.map((c) => c.id) });
    const flow = (await gqlOk(this.url, this.key, CreateFlowDocument, { input: { name: "flow", startNodeId: SIMPLE_FLOW.startNodeId, nodes: SIMPLE_FLOW.nodes as never } })).createFlow;
    const program = (
      await gqlOk(this.url, this.key, CreateProgramDocument, {
        input: { name: opts.name ?? `Campaign ${opts.offset}`, audienceId: audience.id, flowId: flow.id, maxConcurrentCalls: opts.maxConcurrentCalls, retryStrategy: { type: "none" } },
      })
    ).createProgram;
    return program.id;
  }

  async launch(programId: string): Promise<string> {
    return (await gqlOk(this.url, this.key, LaunchProgramDocument, { programId })).launchProgram.id;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` answers true, or throws with `what` and the last value seen. */
export async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (check(last)) return last;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(100);
  }
}
