import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

// Every Prometheus metric of the process, behind small named functions so that callers never touch prom-client.
// Labels are closed sets (route templates, statuses, outcomes): never an organization id, a phone number, a key or a
// raw path. One registry per process: several apps started in one process (tests) share these counters.

const registry = new Registry();
collectDefaultMetrics({ register: registry });

const SECONDS_FAST = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_SIZES = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

/** Gauges read at scrape time from whoever registered a source (an HTTP service, a dispatcher). */
class Sources<T> {
  private readonly fns = new Set<() => T>();
  add(fn: () => T): () => void {
    this.fns.add(fn);
    return () => void this.fns.delete(fn);
  }
  all(): Array<() => T> {
    return [...this.fns];
  }
}

const callsInFlightSources = new Sources<number>();
const subscriptionSources = new Sources<number>();
const executionSources = new Sources<Promise<Record<string, number>>>();

const sum = (sources: Sources<number>) => sources.all().reduce((n, fn) => n + fn(), 0);

const httpDuration = new Histogram({
  name: "voicecast_http_request_duration_seconds",
  help: "HTTP requests by method, route template and status, with their durations (the _count is the request count)",
  labelNames: ["method", "route", "status"],
  buckets: SECONDS_FAST,
  registers: [registry],
});
const rateLimitedTotal = new Counter({
  name: "voicecast_rate_limited_total",
  help: "Requests and WebSocket operations refused for going over the per-key rate or subscription limits",
  labelNames: ["transport"],
  registers: [registry],
});
const attempts = new Counter({
  name: "voicecast_call_attempts_total",
  help: "Call attempts recorded, by outcome (completed, voicemail, noAnswer, busy, rejected, failed)",
  labelNames: ["outcome"],
  registers: [registry],
});
new Gauge({
  name: "voicecast_calls_in_flight",
  help: "Calls this process holds: running, or finished and waiting for their result to be written",
  registers: [registry],
  collect() {
    this.set(sum(callsInFlightSources));
  },
});
const claimSize = new Histogram({ name: "voicecast_claim_batch_size", help: "Contacts taken by one claim transaction", buckets: BATCH_SIZES, registers: [registry] });
const claimSeconds = new Histogram({ name: "voicecast_claim_duration_seconds", help: "Duration of one claim transaction", buckets: SECONDS_FAST, registers: [registry] });
const completionSize = new Histogram({ name: "voicecast_completion_batch_size", help: "Finished calls recorded by one completion transaction", buckets: BATCH_SIZES, registers: [registry] });
const completionSeconds = new Histogram({
  name: "voicecast_completion_duration_seconds",
  help: "Duration of one completion transaction",
  buckets: SECONDS_FAST,
  registers: [registry],
});
const reclaims = new Counter({
  name: "voicecast_lease_reclaimed_contacts_total",
  help: "Contacts reclaimed after their lease expired (their dispatcher died or stalled)",
  registers: [registry],
});
const published = new Counter({
  name: "voicecast_events_published_total",
  help: "Execution snapshots published after commit, by kind (launched, status, progress)",
  labelNames: ["kind"],
  registers: [registry],
});
const publishLag = new Histogram({
  name: "voicecast_event_publish_lag_seconds",
  help: "From the commit of a change to its snapshot accepted by the pub/sub transport (Redis acknowledged, or handed to the in-process bus)",
  buckets: SECONDS_FAST,
  registers: [registry],
});
const finished = new Counter({
  name: "voicecast_executions_finished_total",
  help: "Executions this process saw finish, by final status",
  labelNames: ["status"],
  registers: [registry],
});
new Gauge({
  name: "voicecast_subscriptions_open",
  help: "GraphQL operations open on this process's WebSockets (subscriptions, and queries or mutations while they run)",
  registers: [registry],
  collect() {
    this.set(sum(subscriptionSources));
  },
});
const UNFINISHED = ["scheduled", "running", "paused", "cancelled", "stopped"];
new Gauge({
  name: "voicecast_executions",
  help: "Unfinished executions by status, read from the database at scrape time (cancelled and stopped: calls still in progress)",
  labelNames: ["status"],
  registers: [registry],
  async collect() {
    const source = executionSources.all().at(-1);
    if (!source) return;
    // A scrape must answer while the database is away: the gauge is then left out rather than wrong.
    const counts = await source().catch(() => null);
    this.reset();
    if (!counts) return;
    for (const status of new Set([...UNFINISHED, ...Object.keys(counts)])) this.set({ status }, counts[status] ?? 0);
  },
});

const exportRows = new Counter({
  name: "voicecast_export_rows_total",
  help: "Rows read from the database for CSV/NDJSON exports, by export (contacts, calls)",
  labelNames: ["export"],
  registers: [registry],
});

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export function httpRequestObserved(method: string, route: string, status: number, seconds: number): void {
  httpDuration.observe({ method: METHODS.has(method) ? method : "other", route, status: String(status) }, seconds);
}

export function rateLimited(transport: "http" | "websocket"): void {
  rateLimitedTotal.inc({ transport });
}

export function attemptsFinished(outcome: string, n = 1): void {
  if (n > 0) attempts.inc({ outcome }, n);
}

export function claimBatch(size: number, seconds: number): void {
  claimSize.observe(size);
  claimSeconds.observe(seconds);
}

export function completionBatch(size: number, seconds: number): void {
  completionSize.observe(size);
  completionSeconds.observe(seconds);
}

export function leaseReclaimed(n: number): void {
  if (n > 0) reclaims.inc(n);
}

export function eventPublished(kind: string, lagMs: number): void {
  published.inc({ kind });
  publishLag.observe(Math.max(0, lagMs) / 1000);
}

export function exportRowsRead(kind: string, n: number): void {
  if (n > 0) exportRows.inc({ export: kind }, n);
}

export function executionFinished(status: string): void {
  finished.inc({ status });
}

/** Registers a count of calls in flight (a dispatcher); answers the function that unregisters it. */
export function trackCallsInFlight(fn: () => number): () => void {
  return callsInFlightSources.add(fn);
}

/** Registers a count of open WebSocket operations (an HTTP service); answers the function that unregisters it. */
export function trackSubscriptionsOpen(fn: () => number): () => void {
  return subscriptionSources.add(fn);
}

/** Registers the database read behind `voicecast_executions` (status → count); the latest registration is used. */
export function trackExecutions(fn: () => Promise<Record<string, number>>): () => void {
  return executionSources.add(fn);
}

export const METRICS_CONTENT_TYPE = registry.contentType;

export function metricsText(): Promise<string> {
  return registry.metrics();
}
