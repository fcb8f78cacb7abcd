import type { Db } from "../../db/db";
import { isConnectionError } from "../../db/db";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import { WakeSignal } from "../../shared/wake-signal";
import { webhookHeaders } from "./webhook-signature";
import { Claimed, claimCursors, discoverCursors, openCursors, Outcome, recordSends, selectDue, WireEvent } from "./webhook.store";

export const DISABLE_AFTER_MS = 24 * 3_600_000;

export interface DelivererOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Loop interval when idle. */
  pollMs: number;
  /** First retry delay; each further failure doubles it, up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
  /** How long an endpoint has to answer one delivery. */
  timeoutMs: number;
  /** Requests in flight in this process, all endpoints together… */
  maxInFlight?: number;
  /** …and to one endpoint (so a slow one holds only its own slots). */
  maxPerEndpoint?: number;
  /** An endpoint failing this long with no success is turned off (tests shorten it only through the clock). */
  disableAfterMs?: number;
  /** Called after each recorded send (benches measure lag with it). */
  onAttempt?: (event: WireEvent, o: Outcome) => void;
}

/** Time left on the lease, after the last send, to record the claim's sends before anyone may take it over. */
const RECORD_MARGIN_MS = 5000;

/**
 * Executions unfinished or finished within RECENT_MS are looked at every poll; all of them (late events of
 * long-finished executions reopen their cursors) every SWEEP_MS.
 */
const RECENT_MS = 60_000;
const SWEEP_MS = 5 * 60_000;

/**
 * Sends execution events to webhooks, from any number of processes: each pass makes cursors for new executions,
 * claims due cursors (token + lease) within this process's per-endpoint and total limits, and sends each claim's head
 * event without waiting for it; the answer is recorded when it comes (moving the cursor on, or scheduling the next
 * try with exponential back-off). A slow endpoint only fills its own slots, and calls never wait on any of this.
 */
export class WebhookDeliverer {
  private readonly log: Logger;
  private readonly maxInFlight: number;
  private readonly maxPerEndpoint: number;
  private readonly leaseMs: number;
  private readonly perEndpoint = new Map<string, number>();
  private readonly sending = new Set<Promise<void>>();
  private readonly aborts = new Set<AbortController>();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private readonly signal = new WakeSignal();
  private lastSweep = 0;
  private lastDiscovery = 0;

  constructor(private readonly o: DelivererOptions) {
    this.log = o.logger.child({ part: "webhooks" });
    this.maxInFlight = o.maxInFlight ?? 64;
    this.maxPerEndpoint = o.maxPerEndpoint ?? 8;
    // The request is aborted at timeoutMs, long before the lease runs out, so a live holder never loses its claim.
    this.leaseMs = o.timeoutMs * 2 + 10_000;
  }

  get inFlight(): number {
    return this.sending.size;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops claiming, aborts requests in flight and releases their claims (for any process to send again). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signal.wake();
    await this.loop;
    for (const a of this.aborts) a.abort();
    await Promise.all([...this.sending]);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let busy = false;
      try {
        busy = await this.pass();
      } catch (err) {
        if (!isConnectionError(err)) this.log.error({ err }, "webhook delivery pass failed");
      }
      if (!busy && !this.stopping) await this.signal.sleep(this.o.pollMs);
    }
  }

  /** One pass; answers whether it claimed anything (then it runs again at once). */
  private async pass(): Promise<boolean> {
    this.signal.clear();
    const { db, clock } = this.o;
    const now = clock.now().getTime();
    // New executions are looked for once per poll interval (not on every busy pass); all of them once per sweep.
    if (Date.now() - this.lastDiscovery >= this.o.pollMs) {
      this.lastDiscovery = Date.now();
      const sweep = Date.now() - this.lastSweep >= SWEEP_MS;
      if (sweep) this.lastSweep = Date.now();
      const found = await db.read((r) => discoverCursors(r, sweep ? null : now - RECENT_MS));
      if (found.length) await db.transaction((tx) => openCursors(tx, found));
    }
    const room = this.maxInFlight - this.sending.size;
    if (room <= 0) return false;
    const busy = [...this.perEndpoint].filter(([, n]) => n >= this.maxPerEndpoint).map(([id]) => id);
    const due = await db.read((r) => selectDue(r, now, room * 4, busy));
    // Per-endpoint room, taken in due order: a busy endpoint's cursors wait without holding anyone else's back.
    const taken = new Map<string, number>();
    const pick = due.filter((d) => {
      const n = (this.perEndpoint.get(d.endpoint.id) ?? 0) + (taken.get(d.endpoint.id) ?? 0);
      if (n >= this.maxPerEndpoint) return false;
      taken.set(d.endpoint.id, (taken.get(d.endpoint.id) ?? 0) + 1);
      return true;
    }).slice(0, room);
    if (pick.length === 0 || this.stopping) return false;
    const leaseUntil = Date.now() + this.leaseMs; // taken before the database stamps it: never later than its
    const claims = await db.transaction((tx) => claimCursors(tx, pick, now, this.leaseMs));
    for (const c of claims) this.send(c, leaseUntil);
    return claims.length > 0;
  }

  private send(c: Claimed, leaseUntil: number): void {
    const id = c.cursor.endpoint.id;
    this.perEndpoint.set(id, (this.perEndpoint.get(id) ?? 0) + 1);
    const p = this.deliver(c, leaseUntil)
      .catch((err) => {
        if (!isConnectionError(err)) this.log.error({ err, webhookId: id }, "recording a webhook delivery failed");
      })
      .finally(() => {
        const left = (this.perEndpoint.get(id) ?? 1) - 1;
        if (left > 0) this.perEndpoint.set(id, left);
        else this.perEndpoint.delete(id);
        this.sending.delete(p);
        this.signal.wake();
      });
    this.sending.add(p);
  }

  /**
   * Sends the claim's events one after another (in order), stopping at the first failure, and before a send that
   * could outlast the lease (someone else may then take the cursor over), then records them.
   */
  private async deliver(c: Claimed, leaseUntil: number): Promise<void> {
    const outcomes: Outcome[] = [];
    for (const send of c.sends) {
      if (outcomes.length > 0 && Date.now() + this.o.timeoutMs + RECORD_MARGIN_MS > leaseUntil) break;
      const outcome = await this.post(c, send.event);
      outcomes.push(outcome);
      if (outcome.retryAt !== null || this.stopping) break;
    }
    const now = this.o.clock.now().getTime();
    const disabled = await this.o.db.transaction((tx) => recordSends(tx, c, outcomes, now, this.o.disableAfterMs ?? DISABLE_AFTER_MS));
    const failed = outcomes[outcomes.length - 1];
    if (disabled) this.log.warn({ webhookId: c.cursor.endpoint.id, error: failed.error }, "webhook turned off: its deliveries failed for 24 h");
    outcomes.forEach((o, i) => this.o.onAttempt?.(c.sends[i].event, o));
  }

  private async post(c: Claimed, event: WireEvent): Promise<Outcome> {
    const body = JSON.stringify(event);
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
    try {
      const res = await fetch(c.cursor.endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "Voicecast-Webhooks", ...webhookHeaders(c.cursor.endpoint.secret, event.id, this.o.clock.now(), body) },
        body,
        redirect: "manual",
        signal: abort.signal,
      });
      await res.body?.cancel().catch(() => undefined); // the answer's body is not read: free the socket
      if (res.status >= 200 && res.status < 300) return { responseStatus: res.status, error: null, retryAt: null };
      return { responseStatus: res.status, error: `the endpoint answered ${res.status}`, retryAt: this.retryAt(c, event) };
    } catch (err) {
      if (this.stopping && abort.signal.aborted) return { responseStatus: null, error: "the deliverer stopped before the endpoint answered", retryAt: 0, stopped: true };
      const reason = abort.signal.aborted ? String((abort.signal.reason as Error)?.message ?? "timed out") : describe(err);
      return { responseStatus: null, error: reason, retryAt: this.retryAt(c, event) };
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  /** Exponential back-off from the attempts the event has failed, with ±20 % jitter so endpoints coming back are not hit in lockstep. */
  private retryAt(c: Claimed, event: WireEvent): number {
    const attempt = c.sends.find((x) => x.event === event)!.attempt;
    const base = Math.min(this.o.retryMs * 2 ** Math.min(attempt - 1, 30), this.o.maxRetryMs);
    return this.o.clock.now().getTime() + Math.round(base * (0.8 + Math.random() * 0.4));
  }
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `could not reach the endpoint: ${cause}` : `could not reach the endpoint: ${e?.message ?? String(err)}`;
}
