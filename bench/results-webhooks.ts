// Webhook delivery lag during a run (measured, not asserted): one process with the api and dispatcher roles (its
// deliverer included) on MariaDB, simulator calls, one webhook subscribed to every event type, a bare receiver on
// 127.0.0.1 answering 200 at once. Lag = when the receiver got an event − the event's `occurredAt` (stamped inside
// the writing transaction, just before its commit, so the figure slightly overstates commit → receiver).
//
//   npm run build && BENCH_DATABASE_URL=mariadb://root@127.0.0.1:3306/voicecast_bench_webhooks \
//     node -r @swc-node/register bench/results-webhooks.ts [attempts=10000] [simCallMs=0] [maxConcurrentCalls=200]
import "reflect-metadata";
import { loadavg } from "node:os";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config/config";
import { recreateDatabase } from "../src/db/mysql-admin";
import { Receiver } from "../test/webhooks/support";
import { percentile, seedAudience } from "./support";

export interface WebhookLag {
  attempts: number;
  events: number;
  runSeconds: number;
  lastEventSeconds: number;
  p50: number;
  p99: number;
  max: number;
  duplicates: number;
  outOfOrder: number;
  load: [number, number];
}

export async function measureWebhookLag(url: string, attempts = 10_000, simCallMs = 0, maxConcurrentCalls = 200): Promise<WebhookLag> {
  await recreateDatabase(url);
  const receiver = await new Receiver().start();
  const lags: number[] = [];
  receiver.answer = (req) => {
    lags.push(Date.now() - Date.parse(req.body.occurredAt));
    return 200;
  };
  const app = await createApp(
    loadConfig({ DATABASE_URL: url, PORT: "0", VOICECAST_ROLES: "api,dispatcher", VOICECAST_SIM_CALL_MS: String(simCallMs), VOICECAST_LOG_LEVEL: "warn", VOICECAST_RATE_LIMIT: "0" }),
  );
  await app.start();
  const load0 = loadavg()[0];
  try {
    const { organizationId } = await app.services.organizations.createOrganization("webhook lag bench");
    const { audienceId } = await seedAudience(app.db, organizationId, attempts);
    const flow = await app.services.flows.createFlow(organizationId, {
      name: "bench",
      startNodeId: "dial",
      nodes: [
        { id: "dial", type: "dial", config: {}, outputs: { onAnswer: "bye", onVoicemail: "bye" } },
        { id: "bye", type: "hangup", config: {}, outputs: {} },
      ],
    });
    // One attempt per contact (no retries), so the run is exactly `attempts` attempts.
    const program = await app.services.programs.createProgram(organizationId, { name: "bench", audienceId, flowId: flow.id, maxConcurrentCalls, retryStrategy: { type: "none" } });
    await app.services.webhooks.create(organizationId, { url: receiver.url });
    const t0 = Date.now();
    const e = await app.services.executions.launch(organizationId, program.id);
    let runSeconds = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      const now = await app.services.executions.get(organizationId, e.id);
      if (!runSeconds && now!.status === "completed") runSeconds = (Date.now() - t0) / 1000;
      if (runSeconds) {
        const [{ n }] = await app.db.read((r) => r.query<{ n: string }>("SELECT event_position AS n FROM program_executions WHERE id = ?", [e.id]));
        if (receiver.accepted().length >= Number(n)) break;
      }
      if (Date.now() - t0 > 30 * 60_000) throw new Error("the run or its deliveries took over 30 minutes");
    }
    const got = receiver.accepted();
    const positions = got.map((r) => r.body.position);
    const sorted = [...lags].sort((a, b) => a - b);
    return {
      attempts,
      events: got.length,
      runSeconds,
      lastEventSeconds: (got[got.length - 1].at - t0) / 1000,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1],
      duplicates: got.length - new Set(got.map((r) => r.id)).size,
      outOfOrder: positions.filter((p, i) => i > 0 && p <= positions[i - 1]).length,
      load: [load0, loadavg()[0]],
    };
  } finally {
    await app.stop();
    await receiver.stop();
  }
}

export function webhookLagLines(r: WebhookLag, simCallMs: number, maxConcurrentCalls: number): string[] {
  return [
    `### Webhook delivery lag: ${r.attempts.toLocaleString("en-US")} attempts (simulator ${simCallMs} ms calls, maxConcurrentCalls ${maxConcurrentCalls})`,
    "",
    "| measure | value |",
    "|---|---:|",
    `| events delivered (one endpoint, every type) | ${r.events.toLocaleString("en-US")} (duplicates ${r.duplicates}, out of order ${r.outOfOrder}) |`,
    `| run: launch → completed | ${r.runSeconds.toFixed(1)} s (${(r.attempts / r.runSeconds).toFixed(0)} attempts/s) |`,
    `| launch → last event received | ${r.lastEventSeconds.toFixed(1)} s |`,
    `| lag occurredAt → receiver p50 / p99 / max | ${r.p50} / ${r.p99} / ${r.max} ms |`,
    `| load average start → end | ${r.load[0].toFixed(2)} → ${r.load[1].toFixed(2)} |`,
    "",
  ];
}

if (require.main === module) {
  const url = process.env.BENCH_DATABASE_URL ?? "mariadb://root@127.0.0.1:3306/voicecast_bench_webhooks";
  const [attempts, sim, cap] = [Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 0), Number(process.argv[4] ?? 200)];
  measureWebhookLag(url, attempts, sim, cap).then(
    (r) => {
      console.log(webhookLagLines(r, sim, cap).join("\n"));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
