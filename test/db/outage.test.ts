import { createServer, Server, Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { phones, SIMPLE_FLOW } from "../support/fixtures";
import { expectSumInvariant } from "../support/invariants";
import { exited, freePort, startService, waitForHttp } from "../support/processes";
import { describeServerDb, privateServerDatabase } from "../support/targets";
import { raw } from "../http/support";

/** A TCP proxy to the database that the test can cut (every connection dropped, new ones refused) and restore. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KEY = "outage-test-bootstrap-key-01";

// While the database cannot be reached the process stays up: requests get 503 ServiceUnavailableError with
// Retry-After (GraphQL SERVICE_UNAVAILABLE), /readyz names the failing check, and once the database answers again
// everything works by itself. A real service process; the shared MariaDB server is never stopped: the test cuts
// the process's path to it instead.
describeServerDb("database outage [mariadb]", () => {
  let proxy: CuttableProxy;
  let svc: ReturnType<typeof startService>;
  let base = "";
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateServerDatabase("outage");
    drop = db.drop;
    const url = new URL(db.url);
    proxy = new CuttableProxy(await freePort(), { host: url.hostname, port: Number(url.port || 3306) });
    await proxy.open();
    url.host = `127.0.0.1:${proxy.port}`;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    svc = startService({
      DATABASE_URL: url.toString(),
      PORT: String(port),
      VOICECAST_ROLES: "api,dispatcher",
      VOICECAST_BOOTSTRAP_API_KEY: KEY,
      VOICECAST_LOG_LEVEL: "info",
      VOICECAST_SIM_CALL_MS: "300",
      VOICECAST_LEASE_MS: "2000",
      VOICECAST_POLL_MS: "50",
    });
    await waitForHttp(`${base}/readyz`);
  });
  afterAll(async () => {
    svc?.child.kill("SIGKILL");
    if (svc) await exited(svc.child);
    await proxy?.cut();
    await drop();
  });

  const rest = (method: string, path: string, body?: unknown) =>
    raw(`${base}/api${path}`, { method, headers: { "x-api-key": KEY, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const graphql = (query: string) => raw(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": KEY }, body: JSON.stringify({ query }) });

  it("answers 503 with Retry-After while the database is away, stays up, and serves again by itself when it is back", async () => {
    // A running execution, so the dispatcher has work when the database goes away.
    const contacts = await rest("POST", "/contact/upsert", { data: phones(12, 1, 90_000).map((primaryPhone) => ({ primaryPhone })) });
    const audience = (await rest("POST", "/audience", { name: "outage" })).body;
    await rest("POST", `/audience/${audience.id}/add-contacts`, { contacts: contacts.body.data.map((c: { id: string }) => c.id) });
    const flow = (await rest("POST", "/flows", { name: "outage", ...SIMPLE_FLOW })).body;
    const program = (await rest("POST", "/programs", { name: "outage", audienceId: audience.id, flowId: flow.id, maxConcurrentCalls: 2 })).body;
    const { executionId } = (await rest("POST", `/programs/${program.id}/launch`)).body;
    await sleep(400);

    await proxy.cut();
    await sleep(300);
    const r = await rest("GET", "/programs");
    expect(r.status, r.text).toBe(503);
    expect(r.body).toMatchObject({ error: "ServiceUnavailableError" });
    expect(r.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|SELECT/);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const g = await graphql("{ programs { data { id } } }");
    expect(g.status, g.text).toBe(503);
    expect(g.body.errors[0].extensions.code).toBe("SERVICE_UNAVAILABLE");
    expect(Number(g.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const ready = await raw(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: "unavailable", checks: { database: false }, failing: ["database"] });
    expect((await raw(`${base}/healthz`)).status).toBe(200);
    const wsClose = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${base.replace("http", "ws")}/graphql`, "graphql-transport-ws");
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { "x-api-key": KEY } })));
      socket.on("close", (code) => resolve(code));
    });
    expect(wsClose).toBe(1013);

    await sleep(3000); // the dispatcher's loop keeps failing meanwhile
    expect(svc.child.exitCode, svc.output()).toBeNull();

    await proxy.open();
    let back = await rest("GET", "/programs");
    for (let i = 0; i < 100 && back.status !== 200; i++) {
      await sleep(100);
      back = await rest("GET", "/programs");
    }
    expect(back.status, back.text).toBe(200);
    expect((await raw(`${base}/readyz`)).status).toBe(200);

    // The execution carries on and finishes, its counters true.
    let execution = (await rest("GET", `/program-executions/${executionId}`)).body;
    for (let i = 0; i < 300 && execution.actualEndAt === null; i++) {
      await sleep(100);
      execution = (await rest("GET", `/program-executions/${executionId}`)).body;
    }
    expect(execution.actualEndAt, JSON.stringify(execution)).not.toBeNull();
    expectSumInvariant(execution);
    expect(execution.contactsPending + execution.contactsInProgress).toBe(0);

    // The outage and the recovery are logged once each, the outage with its cause.
    const lines = svc.output().split("\n");
    const unreachable = lines.filter((l) => l.includes('"msg":"database unreachable: requests get 503 until it answers again"'));
    expect(unreachable, lines.filter((l) => l.includes('"level":50')).slice(0, 5).join("\n")).toHaveLength(1);
    expect(unreachable[0]).toMatch(/"err":\{.*(ECONNREFUSED|ECONNRESET|PROTOCOL_CONNECTION_LOST|closed state)/);
    expect(lines.filter((l) => l.includes('"msg":"database reachable again"'))).toHaveLength(1);
    // Nothing else logs the outage as an error: the dispatcher's loop and the 503 request lines stay below error.
    expect(lines.filter((l) => l.includes('"level":50')), "error lines").toEqual(unreachable);
  });
});
