import { randomUUID } from "node:crypto";
import { toInt } from "../../db/columns";
import type { Reader, Tx } from "../../db/db";
import type { EventType } from "../events/event-log";
import { WebhookDeliveryStatus as D } from "./webhook.schema";

// The SQL of webhook deliveries. A cursor (webhook × execution) is claimed with a token and a lease on the database
// clock (`dialect.nowMs`), like contacts: one holder at a time sends its head event, so events reach an endpoint in
// position order and never twice at once; a dead holder's lease runs out and anyone takes over. Due times are the
// service clock's. Nothing here locks execution rows (their events are read as committed), so deliveries never wait
// on calls or make calls wait.

/** A webhook as the deliverer needs it. */
export interface Endpoint {
  id: string;
  url: string;
  secret: string;
  events: EventType[];
  createdAt: number;
}

export interface DueCursor {
  endpoint: Endpoint;
  executionId: string;
}

/** The event a claim sends, as it goes on the wire. */
export interface WireEvent {
  id: string;
  executionId: string;
  position: number;
  sequence: number;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface Claimed {
  cursor: DueCursor;
  /** The claim token (the first delivery row's id). */
  token: string;
  /** The events to send, in position order, each with its pending delivery row and attempt number. */
  sends: Array<{ deliveryId: string; attempt: number; event: WireEvent }>;
}

/**
 * Makes the missing cursors of enabled webhooks (and reopens closed ones an execution has new events for). `since`
 * limits the look to executions unfinished or finished since then (two index ranges on (organization, end time));
 * null looks at all of them (a sweep, for late events of long-finished executions).
 */
export async function discoverCursors(r: Reader, since: number | null): Promise<Array<{ webhookId: string; executionId: string; closed: boolean }>> {
  const select = (ended: string) =>
    `SELECT w.id AS webhook_id, e.id AS execution_id, c.webhook_id AS existing FROM webhooks w
     JOIN program_executions e ON e.organization_id = w.organization_id${ended}
     LEFT JOIN webhook_cursors c ON c.webhook_id = w.id AND c.execution_id = e.id
     WHERE w.enabled = 1 AND e.event_position > COALESCE(c.delivered_position, 0) AND (c.webhook_id IS NULL OR c.open = 0)
       AND (e.actual_end_at IS NULL OR e.actual_end_at >= w.created_at)`;
  const rows = await r.query<Record<string, unknown>>(
    since === null
      ? `${select("")} LIMIT 1000`
      : `SELECT * FROM (${select(" AND e.actual_end_at IS NULL")} UNION ALL ${select(" AND e.actual_end_at >= ?")}) d LIMIT 1000`,
    since === null ? [] : [since],
  );
  return rows.map((row) => ({ webhookId: String(row.webhook_id), executionId: String(row.execution_id), closed: row.existing != null }));
}

export async function openCursors(tx: Tx, found: Array<{ webhookId: string; executionId: string; closed: boolean }>): Promise<void> {
  const fresh = found.filter((f) => !f.closed);
  if (fresh.length) {
    await tx.execute(
      `${tx.dialect.insertIgnore} INTO webhook_cursors (webhook_id, execution_id, delivered_position, attempts, next_attempt_at, open) VALUES ${fresh.map(() => "(?, ?, 0, 0, 0, 1)").join(", ")}`,
      fresh.flatMap((f) => [f.webhookId, f.executionId]),
    );
  }
  for (const f of found.filter((x) => x.closed)) await tx.execute("UPDATE webhook_cursors SET open = 1 WHERE webhook_id = ? AND execution_id = ?", [f.webhookId, f.executionId]);
}

/**
 * Open cursors of enabled webhooks with something to do (an event after the cursor, or a finished execution to close
 * the cursor of), due now and not held by a live claim; soonest first. A plain read: claim() locks and re-checks.
 * `busy` endpoints (no room left in this process) are left out, so their backlog never crowds out anyone else's.
 */
export async function selectDue(r: Reader, now: number, limit: number, busy: string[] = []): Promise<DueCursor[]> {
  const rows = await r.query<Record<string, unknown>>(
    `SELECT c.webhook_id, c.execution_id, w.url, w.secret, w.events, w.created_at FROM webhook_cursors c
     JOIN webhooks w ON w.id = c.webhook_id JOIN program_executions e ON e.id = c.execution_id
     WHERE c.open = 1 AND c.next_attempt_at <= ? AND w.enabled = 1
       AND (e.event_position > c.delivered_position OR e.actual_end_at IS NOT NULL)
       AND (c.claim_token IS NULL OR c.lease_expires_at < ${r.dialect.nowMs})${busy.length ? ` AND c.webhook_id NOT IN (${busy.map(() => "?").join(", ")})` : ""}
     ORDER BY c.next_attempt_at LIMIT ${Math.floor(limit)}`,
    [now, ...busy],
  );
  return rows.map((row) => ({
    executionId: String(row.execution_id),
    endpoint: { id: String(row.webhook_id), url: String(row.url), secret: String(row.secret), events: JSON.parse(String(row.events)), createdAt: toInt(row.created_at) },
  }));
}

const LOST = "the deliverer holding it stopped before it finished (lease expired)";

/** Events one claim sends at most (one after another, in order): a busy execution is not one round trip per event. */
export const CLAIM_BATCH = 100;

/**
 * Claims due cursors (locked, skipping ones another transaction holds) and, for each, the next events the webhook
 * wants after the cursor (up to `batch`). A cursor with no such event moves past what it has seen (closed when the
 * execution is finished). Each event to send gets a pending delivery row; the first row's id is the claim token.
 */
export async function claimCursors(tx: Tx, due: DueCursor[], now: number, leaseMs: number, batch = CLAIM_BATCH): Promise<Claimed[]> {
  if (due.length === 0) return [];
  const locked = await tx.query<Record<string, unknown>>(
    `SELECT webhook_id, execution_id, delivered_position, attempts, claim_token FROM webhook_cursors
     WHERE (${due.map(() => "(webhook_id = ? AND execution_id = ?)").join(" OR ")}) AND open = 1 AND next_attempt_at <= ?
       AND (claim_token IS NULL OR lease_expires_at < ${tx.dialect.nowMs})${tx.dialect.lock({ skipLocked: true })}`,
    [...due.flatMap((d) => [d.endpoint.id, d.executionId]), now],
  );
  const byKey = new Map(due.map((d) => [`${d.endpoint.id}/${d.executionId}`, d]));
  // The webhooks as they are now (a PATCH may have changed the event types since the due read; a disabled or deleted
  // one is passed over).
  const ids = [...new Set(locked.map((row) => String(row.webhook_id)))];
  const current = new Map(
    (ids.length
      ? await tx.query<Record<string, unknown>>(`SELECT id, events, created_at FROM webhooks WHERE enabled = 1 AND id IN (${ids.map(() => "?").join(", ")})`, ids)
      : []
    ).map((w) => [String(w.id), { events: JSON.parse(String(w.events)) as EventType[], createdAt: toInt(w.created_at) }]),
  );
  const out: Claimed[] = [];
  for (const row of locked) {
    const fresh = current.get(String(row.webhook_id));
    if (!fresh) continue;
    const seen = byKey.get(`${row.webhook_id}/${row.execution_id}`)!;
    const cursor: DueCursor = { ...seen, endpoint: { ...seen.endpoint, ...fresh } };
    const from = toInt(row.delivered_position);
    const key = [cursor.endpoint.id, cursor.executionId];
    // A holder whose lease ran out left its sends pending: they end failed (one holder at a time, so all are its).
    if (row.claim_token != null) {
      await tx.execute(
        `UPDATE webhook_deliveries SET status = '${D.FAILED}', error = ? WHERE webhook_id = ? AND status = '${D.PENDING}'
         AND event_id IN (SELECT id FROM execution_events WHERE execution_id = ? AND position > ?)`,
        [LOST, cursor.endpoint.id, cursor.executionId, from],
      );
    }
    const [exec] = await tx.query<Record<string, unknown>>("SELECT event_position, actual_end_at FROM program_executions WHERE id = ?", [cursor.executionId]);
    const last = toInt(exec.event_position);
    const types = cursor.endpoint.events;
    // A head that failed before is likely to fail again: retry it alone.
    const take = toInt(row.attempts) > 0 ? 1 : Math.floor(batch);
    const events = types.length
      ? await tx.query<Record<string, unknown>>(
          `SELECT id, position, sequence, type, occurred_at, data FROM execution_events
           WHERE execution_id = ? AND position > ? AND position <= ? AND type IN (${types.map(() => "?").join(", ")}) AND occurred_at >= ?
           ORDER BY position LIMIT ${take}`,
          [cursor.executionId, from, last, ...types, cursor.endpoint.createdAt],
        )
      : [];
    if (events.length === 0) {
      const close = exec.actual_end_at != null;
      await tx.execute("UPDATE webhook_cursors SET delivered_position = ?, attempts = 0, open = ?, claim_token = NULL, lease_expires_at = NULL WHERE webhook_id = ? AND execution_id = ?", [last, close ? 0 : 1, ...key]);
      continue;
    }
    const head = toInt(events[0].position);
    // Events the webhook does not want are passed over; a new head starts its attempts from 1.
    const attempts = head - 1 > from ? 0 : toInt(row.attempts);
    const sends = events.map((e, i) => ({
      deliveryId: randomUUID(),
      attempt: i === 0 ? attempts + 1 : 1,
      event: {
        id: String(e.id),
        executionId: cursor.executionId,
        position: toInt(e.position),
        sequence: toInt(e.sequence),
        type: String(e.type),
        occurredAt: new Date(toInt(e.occurred_at)).toISOString(),
        data: JSON.parse(String(e.data)),
      },
    }));
    const token = sends[0].deliveryId;
    await tx.execute(
      `UPDATE webhook_cursors SET delivered_position = ?, attempts = ?, claim_token = ?, lease_expires_at = ${tx.dialect.nowMs} + ? WHERE webhook_id = ? AND execution_id = ?`,
      [head - 1, attempts, token, leaseMs, ...key],
    );
    await tx.execute(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_id, attempt, status, created_at) VALUES ${sends.map(() => `(?, ?, ?, ?, '${D.PENDING}', ?)`).join(", ")}`,
      sends.flatMap((x) => [x.deliveryId, cursor.endpoint.id, x.event.id, x.attempt, now]),
    );
    out.push({ cursor, token, sends });
  }
  return out;
}

/** What one send came to. `retryAt` null: delivered; `stopped`: the process is stopping (not the endpoint's fault). */
export interface Outcome {
  responseStatus: number | null;
  error: string | null;
  retryAt: number | null;
  stopped?: boolean;
}

/**
 * Records a claim's sends, if the claim is still ours: `outcomes` are those of its first sends in order (every one
 * delivered but perhaps the last); sends never tried are dropped from the log. The cursor moves past what was
 * delivered, and a failure schedules the next try of that event. An endpoint whose deliveries have failed for
 * `disableAfterMs` with no success is turned off with the reason. Answers whether it was turned off.
 */
export async function recordSends(tx: Tx, c: Claimed, outcomes: Outcome[], now: number, disableAfterMs: number): Promise<boolean> {
  const [row] = await tx.query<Record<string, unknown>>(
    `SELECT attempts FROM webhook_cursors WHERE webhook_id = ? AND execution_id = ? AND claim_token = ?${tx.dialect.lock()}`,
    [c.cursor.endpoint.id, c.cursor.executionId, c.token],
  );
  if (!row) return false; // our lease ran out and someone else holds the cursor: they resend and log it
  const key = [c.cursor.endpoint.id, c.cursor.executionId, c.token];
  const done = outcomes.filter((o) => o.retryAt === null).length;
  const last = outcomes.length > done ? outcomes[outcomes.length - 1] : null;
  const ids = (from: number, to: number) => c.sends.slice(from, to).map((x) => x.deliveryId);
  const markList = (n: number) => Array(n).fill("?").join(", ");

  if (done > 0) {
    const delivered = ids(0, done);
    await tx.execute(
      `UPDATE webhook_deliveries SET status = '${D.DELIVERED}', response_status = CASE id ${delivered.map(() => "WHEN ? THEN ?").join(" ")} END, delivered_at = ? WHERE id IN (${markList(done)})`,
      [...delivered.flatMap((id, i) => [id, outcomes[i].responseStatus]), now, ...delivered],
    );
    await tx.execute("UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL", [c.cursor.endpoint.id]);
  }
  if (last) {
    await tx.execute(`UPDATE webhook_deliveries SET status = '${D.FAILED}', response_status = ?, error = ? WHERE id = ?`, [last.responseStatus, last.error?.slice(0, 500) ?? null, c.sends[done].deliveryId]);
  }
  const untried = ids(outcomes.length, c.sends.length);
  if (untried.length) await tx.execute(`DELETE FROM webhook_deliveries WHERE id IN (${markList(untried.length)})`, untried);

  const position = done > 0 ? c.sends[done - 1].event.position : c.sends[0].event.position - 1;
  if (!last || last.stopped) {
    await tx.execute("UPDATE webhook_cursors SET delivered_position = ?, attempts = ?, next_attempt_at = 0, claim_token = NULL, lease_expires_at = NULL WHERE webhook_id = ? AND execution_id = ? AND claim_token = ?", [
      position,
      done > 0 ? 0 : toInt(row.attempts),
      ...key,
    ]);
    return false;
  }
  // The failed event is the cursor's head now (the cursor stops right before it, past any unwanted events, so the
  // next claim counts its attempts on): 1 for a new head.
  await tx.execute("UPDATE webhook_cursors SET delivered_position = ?, attempts = ?, next_attempt_at = ?, claim_token = NULL, lease_expires_at = NULL WHERE webhook_id = ? AND execution_id = ? AND claim_token = ?", [
    c.sends[done].event.position - 1,
    done > 0 ? 1 : toInt(row.attempts) + 1,
    last.retryAt,
    ...key,
  ]);
  const webhookId = c.cursor.endpoint.id;
  await tx.execute("UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL", [now, webhookId]);
  const [w] = await tx.query<Record<string, unknown>>("SELECT failing_since FROM webhooks WHERE id = ? AND enabled = 1", [webhookId]);
  if (!w || now - toInt(w.failing_since) < disableAfterMs) return false;
  const since = new Date(toInt(w.failing_since)).toISOString();
  const reason = `Deliveries failed for ${Math.round(disableAfterMs / 3_600_000)} h with no success (since ${since}); last error: ${last.error ?? "unknown"}`.slice(0, 500);
  return (await tx.execute("UPDATE webhooks SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1", [reason, now, webhookId])) > 0;
}
