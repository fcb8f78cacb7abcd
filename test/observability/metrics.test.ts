import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app";
import { exited, freePort, startService } from "../support/processes";
import { describeEachDb, privateDatabase } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { Recorder, wsClient } from "../subscriptions/support";
import { Rest, restFixture, restFor, sleep } from "../rest/support";
import { parsePrometheus, Sample, scrape, valueOf } from "./prometheus";

const OUTCOMES = ["completed", "voicemail", "noAnswer", "busy", "rejected", "failed"];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describeEachDb("metrics: /metrics in Prometheus text, moving with a run", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};
  let api: Rest;
  let org: { organizationId: string; apiKey: string };
  let metricsUrl: string;

  beforeAll(async () => {
    const db = await privateDatabase(target, "metrics");
    drop = db.drop;
    app = await startTestApp({
      databaseUrl: db.url,
      roles: "api,dispatcher",
      env: { VOICECAST_SIM_CALL_MS: "30", VOICECAST_POLL_MS: "20", VOICECAST_PROGRESS_INTERVAL_MS: "0", VOICECAST_RATE_LIMIT: "0" },
    });
    org = await newOrg(app);
    api = restFor(app, org.apiKey);
    metricsUrl = `http://127.0.0.1:${app.port}/metrics`;
  });
  afterAll(async () => {
    await app?.stop();
    await drop();
  });

  it("parses as Prometheus text, with Node's default metrics and every Voicecast metric", async () => {
    const res = await fetch(metricsUrl);
    const { samples, types } = parsePrometheus(await res.text());
    for (const name of ["process_cpu_user_seconds_total", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_seconds"]) {
      expect(samples.some((s) => s.name === name), name).toBe(true);
    }
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith("voicecast_")))).toEqual({
      voicecast_http_request_duration_seconds: "histogram",
      voicecast_rate_limited_total: "counter",
      voicecast_call_attempts_total: "counter",
      voicecast_calls_in_flight: "gauge",
      voicecast_claim_batch_size: "histogram",
      voicecast_claim_duration_seconds: "histogram",
      voicecast_completion_batch_size: "histogram",
      voicecast_completion_duration_seconds: "histogram",
      voicecast_lease_reclaimed_contacts_total: "counter",
      voicecast_events_published_total: "counter",
      voicecast_event_publish_lag_seconds: "histogram",
      voicecast_executions_finished_total: "counter",
      voicecast_export_rows_total: "counter",
      voicecast_subscriptions_open: "gauge",
      voicecast_executions: "gauge",
    });
  });

  it("attempts by outcome equal the attempts the run recorded; claims, completions, events and requests move", async () => {
    const before = await scrape(metricsUrl);
    const fx = await restFixture(api, {
      count: 10,
      program: { retryStrategy: { type: "fixed_delay", delayMinutes: 0.0005, maxRetries: 2, retryOnVoicemail: true }, maxConcurrentCalls: 4 },
    });
    const { executionId } = await api.ok("POST", `/programs/${fx.programId}/launch`, 201);
    let polls = 1;
    for (;;) {
      polls++;
      if ((await api.ok("GET", `/program-executions/${executionId}`, 200)).actualEndAt !== null) break;
      await sleep(50);
    }
    const after = await scrape(metricsUrl);
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

    const recorded = await app.db.read((r) => r.query<{ outcome: string; n: number }>("SELECT outcome, COUNT(*) AS n FROM call_attempts WHERE execution_id = ? GROUP BY outcome", [executionId]));
    const byOutcome = Object.fromEntries(recorded.map((row) => [row.outcome, Number(row.n)]));
    expect(Object.keys(byOutcome).length, "the digits 0-9 give several outcomes").toBeGreaterThan(2);
    for (const outcome of OUTCOMES) expect(delta("voicecast_call_attempts_total", { outcome }), outcome).toBe(byOutcome[outcome] ?? 0);

    const attempts = Object.values(byOutcome).reduce((a, b) => a + b, 0);
    expect(delta("voicecast_claim_batch_size_sum")).toBe(attempts);
    expect(delta("voicecast_completion_batch_size_sum")).toBe(attempts);
    expect(delta("voicecast_claim_duration_seconds_count")).toBe(delta("voicecast_claim_batch_size_count"));
    expect(delta("voicecast_events_published_total", { kind: "launched" })).toBe(1);
    expect(delta("voicecast_events_published_total", { kind: "status" })).toBeGreaterThanOrEqual(1);
    expect(delta("voicecast_events_published_total", { kind: "progress" })).toBeGreaterThan(0);
    expect(delta("voicecast_event_publish_lag_seconds_count")).toBe(delta("voicecast_events_published_total"));
    expect(delta("voicecast_executions_finished_total", { status: "completed" })).toBe(1);
    expect(valueOf(after, "voicecast_calls_in_flight")).toBe(0);
    // By route template, never the raw path with its id.
    expect(delta("voicecast_http_request_duration_seconds_count", { method: "GET", route: "/api/program-executions/{id}", status: "200" })).toBe(polls - 1);
    expect(delta("voicecast_http_request_duration_seconds_count", { method: "POST", route: "/api/programs/{id}/launch", status: "201" })).toBe(1);
  });

  it("executions by status come from the database at scrape time; subscriptions open are counted", async () => {
    const fx = await restFixture(api, { count: 2, program: { startAt: new Date(Date.now() + 3_600_000).toISOString() } });
    const { executionId } = await api.ok("POST", `/programs/${fx.programId}/launch`, 201);
    const rows = await app.db.read((r) => r.query<{ n: number }>("SELECT COUNT(*) AS n FROM program_executions WHERE status = 'scheduled' AND actual_end_at IS NULL"));
    expect(valueOf(await scrape(metricsUrl), "voicecast_executions", { status: "scheduled" })).toBe(Number(rows[0].n));

    const client = wsClient(app.port!, org.apiKey);
    const open = valueOf(await scrape(metricsUrl), "voicecast_subscriptions_open");
    const sub = new Recorder(client, `subscription { executionProgress(executionId: "${executionId}") { id } }`, {});
    await sub.until((r) => r.events.length > 0, "the first snapshot");
    expect(valueOf(await scrape(metricsUrl), "voicecast_subscriptions_open")).toBe(open + 1);
    sub.dispose();
    await client.dispose();
    await api.ok("DELETE", `/program-executions/${executionId}`, 200);
    expect(valueOf(await scrape(metricsUrl), "voicecast_executions", { status: "scheduled" })).toBe(Number(rows[0].n) - 1);
  });

  it("no label holds an organization id, an execution id, a phone number or a key", async () => {
    const samples: Sample[] = await scrape(metricsUrl);
    const values = samples.flatMap((s) => Object.values(s.labels));
    expect(values.filter((v) => UUID.test(v) || /\+\d{6,}/.test(v) || v.includes("vc_") || v.includes(org.apiKey))).toEqual([]);
  });
});

describe("metrics: a process without the api role", () => {
  it("serves /metrics on VOICECAST_METRICS_PORT and nothing else", async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const file = join(mkdtempSync(join(tmpdir(), "vc-metrics-")), "voicecast.sqlite");
    const svc = startService({ DATABASE_URL: `sqlite:${file}`, PORT: String(port), VOICECAST_ROLES: "dispatcher", VOICECAST_METRICS_PORT: String(metricsPort) });
    try {
      let text = "";
      for (let i = 0; i < 100 && !text; i++) {
        text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => (r.ok ? r.text() : ""), () => "");
        if (!text) await sleep(100);
      }
      expect(text, svc.output()).toContain("voicecast_calls_in_flight 0");
      parsePrometheus(text);
      const other = await fetch(`http://127.0.0.1:${metricsPort}/graphql`);
      expect(other.status).toBe(404);
      expect(await other.json()).toMatchObject({ error: "NotFoundError" });
      // No API on PORT: the dispatcher role serves none.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      svc.child.kill("SIGTERM");
      expect(await exited(svc.child)).toBe(0);
    }
  });
});
