import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, IncomingMessage, Server } from "node:http";
import type { App } from "../../src/app";

// A real HTTP receiver on 127.0.0.1 (random port) that records every request, answers as the test says, and
// verifies signatures the way the Standard Webhooks specification documents it (written here from the spec, not
// taken from the code under test).

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  rawBody: string;
  body: { id: string; executionId: string; position: number; sequence: number; type: string; occurredAt: string; data: Record<string, unknown> };
  status: number;
  at: number;
}

/** Standard Webhooks verification: base64 key after whsec_, HMAC-SHA256 over `id.timestamp.body`, any `v1,` entry. */
export function verifyStandardWebhook(secret: string, headers: { id: string; timestamp: string; signature: string }, rawBody: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${headers.id}.${headers.timestamp}.${rawBody}`).digest();
  return headers.signature.split(" ").some((entry) => {
    const [version, sig] = entry.split(",");
    if (version !== "v1" || !sig) return false;
    const given = Buffer.from(sig, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export class Receiver {
  readonly requests: Received[] = [];
  /** Status to answer each request with (default 200). */
  answer: (req: Omit<Received, "status" | "at">, n: number) => number | Promise<number> = () => 200;
  private server: Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      void read(req).then(async (rawBody) => {
        const h = (name: string) => String(req.headers[name] ?? "");
        const got = { id: h("webhook-id"), timestamp: h("webhook-timestamp"), signature: h("webhook-signature"), rawBody, body: JSON.parse(rawBody) };
        const status = await this.answer(got, this.requests.length + 1);
        this.requests.push({ ...got, status, at: Date.now() });
        res.writeHead(status, { "content-type": "text/plain" }).end("ok");
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }

  /** The accepted (2xx) deliveries. */
  accepted(): Received[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Every event of these executions, as the log holds them, in position order per execution. */
export async function eventsOf(app: App, executionIds: string[]): Promise<Array<{ id: string; executionId: string; position: number; type: string }>> {
  const rows = await app.db.read((r) =>
    r.query<Record<string, unknown>>(
      `SELECT id, execution_id, position, type FROM execution_events WHERE execution_id IN (${executionIds.map(() => "?").join(", ")}) ORDER BY execution_id, position`,
      executionIds,
    ),
  );
  return rows.map((r) => ({ id: String(r.id), executionId: String(r.execution_id), position: Number(r.position), type: String(r.type) }));
}

/** Accepted deliveries grouped by execution, in the order they arrived: each execution's must be its positions ascending. */
export function byExecution(received: Received[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of received) out.set(r.body.executionId, [...(out.get(r.body.executionId) ?? []), r.body.position]);
  return out;
}

/** Fast webhook settings for tests. */
export const WEBHOOK_ENV = { VOICECAST_WEBHOOK_RETRY_MS: "20", VOICECAST_WEBHOOK_MAX_RETRY_MS: "200", VOICECAST_WEBHOOK_TIMEOUT_MS: "2000" };
