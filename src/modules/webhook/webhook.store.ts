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
  /** The delivery row's id, also the claim token. */
  token: string;
  attempt: number;
  event: WireEvent;
}

/**
 * Makes the missing cursors of enabled webhooks (and reopens closed ones an execution has new events for). `since`
 * limits the look to executions unfinished or finished since then; null looks at all of them.
 */
export async function discoverCursors(r: Reader, since: number | null): Promise<Array<{ webhookId: string; executionId: string; closed: boolean }>> {
  const rows = await r.query<Record<string, unknown>>(
    `SELECT w.id AS webhook_id, e.id AS execution_id, c.webhook_id AS existing FROM webhooks w
     JOIN program_executions e ON e.organization_id = w.organization_id
     LEFT JOIN webhook_cursors c ON c.webhook_id = w.id AND c.execution_id = e.id
     WHERE w.enabled = 1 AND e.event_position > COALESCE(c.delivered_position, 0) AND (c.webhook_id IS NULL OR c.open = 0)
       AND (e.actual_end_at IS NULL OR e.actual_end_at >= w.created_at)${since === null ? "" : " AND (e.actual_end_at IS NULL OR e.actual_end_at >= ?)"}
     LIMIT 1000`,
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

/**
 * Claims due cursors (locked, skipping ones another transaction holds) and, for each, its head event: the first after
 * the cursor that the webhook wants. A cursor with no such event moves past what it has seen (closed when the
 * execution is finished). Each claim writes a pending delivery row whose id is the claim token.
 */
export async function claimCursors(tx: Tx, due: DueCursor[], now: number, leaseMs: number): Promise<Claimed[]> {
  if (due.length === 0) return [];
  const locked = await tx.query<Record<string, unknown>>(
    `SELECT webhook_id, execution_id, delivered_position, attempts, claim_token FROM webhook_cursors
     WHERE (${due.map(() => "(webhook_id = ? AND execution_id = ?)").join(" OR ")}) AND open = 1 AND next_attempt_at <= ?
       AND (claim_token IS NULL OR lease_expires_at < ${tx.dialect.nowMs})${tx.dialect.lock({ skipLocked: true })}`,
    [...due.flatMap((d) => [d.endpoint.id, d.executionId]), now],
  );
  const byKey = new Map(due.map((d) => [`${d.endpoint.id}/${d.executionId}`, d]));
  const out: Claimed[] = [];
  for (const row of locked) {
    const cursor = byKey.get(`${row.webhook_id}/${row.execution_id}`)!;
    const from = toInt(row.delivered_position);
    if (row.claim_token != null) await tx.execute(`UPDATE webhook_deliveries SET status = '${D.FAILED}', error = ? WHERE id = ? AND status = '${D.PENDING}'`, [LOST, row.claim_token]);
    const [exec] = await tx.query<Record<string, unknown>>("SELECT event_position, actual_end_at FROM program_executions WHERE id = ?", [cursor.executionId]);
    const last = toInt(exec.event_position);
    const types = cursor.endpoint.events;
    const [head] = types.length
      ? await tx.query<Record<string, unknown>>(
          `SELECT id, position, sequence, type, occurred_at, data FROM execution_events
           WHERE execution_id = ? AND position > ? AND position <= ? AND type IN (${types.map(() => "?").join(", ")}) AND occurred_at >= ?
           ORDER BY position LIMIT 1`,
          [cursor.executionId, from, last, ...types, cursor.endpoint.createdAt],
        )
      : [];
    const key = [cursor.endpoint.id, cursor.executionId];
    if (!head) {
      const close = exec.actual_end_at != null;
      await tx.execute("UPDATE webhook_cursors SET delivered_position = ?, attempts = 0, open = ?, claim_token = NULL, lease_expires_at = NULL WHERE webhook_id = ? AND execution_id = ?", [last, close ? 0 : 1, ...key]);
      continue;
    }
    const position = toInt(head.position);
    const token = randomUUID();
    // Events the webhook does not want are passed over; a new head starts its attempts from 1.
    const attempts = position - 1 > from ? 0 : toInt(row.attempts);
    await tx.execute(
      `UPDATE webhook_cursors SET delivered_position = ?, attempts = ?, claim_token = ?, lease_expires_at = ${tx.dialect.nowMs} + ? WHERE webhook_id = ? AND execution_id = ?`,
      [position - 1, attempts, token, leaseMs, ...key],
    );
    await tx.execute(`INSERT INTO webhook_deliveries (id, webhook_id, event_id, attempt, status, created_at) VALUES (?, ?, ?, ?, '${D.PENDING}', ?)`, [
      token,
      cursor.endpoint.id,
      head.id,
      attempts + 1,
      now,
    ]);
    out.push({
      cursor,
      token,
      attempt: attempts + 1,
      event: {
        id: String(head.id),
        executionId: cursor.executionId,
        position,
        sequence: toInt(head.sequence),
        type: String(head.type),
        occurredAt: new Date(toInt(head.occurred_at)).toISOString(),
        data: JSON.parse(String(head.data)),
      },
    });
  }
  return out;
}

/** What one attempt came to. `retryAt` null: delivered; `stopped`: the process is stopping (not the endpoint's fault). */
export interface Outcome {
  responseStatus: number | null;
  error: string | null;
  retryAt: number | null;
  stopped?: boolean;
}

/**
 * Records one attempt and moves the cursor on (delivered) or schedules the next try, if the claim is still ours. An
 * endpoint whose deliveries have failed for `disableAfterMs` with no success is turned off with the reason.
 * Answers whether it was turned off.
 */
export async function recordAttempt(tx: Tx, c: Claimed, o: Outcome, now: number, disableAfterMs: number): Promise<boolean> {
  const key = [c.cursor.endpoint.id, c.cursor.executionId, c.token];
  const delivered = o.retryAt === null;
  if (delivered) {
    await tx.execute("UPDATE webhook_cursors SET delivered_position = ?, attempts = 0, next_attempt_at = 0, claim_token = NULL, lease_expires_at = NULL WHERE webhook_id = ? AND execution_id = ? AND claim_token = ?", [c.event.position, ...key]);
  } else if (o.stopped) {
    await tx.execute("UPDATE webhook_cursors SET claim_token = NULL, lease_expires_at = NULL WHERE webhook_id = ? AND execution_id = ? AND claim_token = ?", key);
  } else {
    await tx.execute("UPDATE webhook_cursors SET attempts = attempts + 1, next_attempt_at = ?, claim_token = NULL, lease_expires_at = NULL WHERE webhook_id = ? AND execution_id = ? AND claim_token = ?", [o.retryAt, ...key]);
  }
  await tx.execute(`UPDATE webhook_deliveries SET status = ?, response_status = ?, error = ?, delivered_at = ? WHERE id = ?`, [
    delivered ? D.DELIVERED : D.FAILED,
    o.responseStatus,
    o.error?.slice(0, 500) ?? null,
    delivered ? now : null,
    c.token,
  ]);
  const webhookId = c.cursor.endpoint.id;
  if (delivered) {
    await tx.execute("UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL", [webhookId]);
    return false;
  }
  if (o.stopped) return false;
  await tx.execute("UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL", [now, webhookId]);
  const [w] = await tx.query<Record<string, unknown>>("SELECT failing_since FROM webhooks WHERE id = ? AND enabled = 1", [webhookId]);
  if (!w || now - toInt(w.failing_since) < disableAfterMs) return false;
  const since = new Date(toInt(w.failing_since)).toISOString();
  const reason = `Deliveries failed for ${Math.round(disableAfterMs / 3_600_000)} h with no success (since ${since}); last error: ${o.error ?? "unknown"}`.slice(0, 500);
  return (await tx.execute("UPDATE webhooks SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1", [reason, now, webhookId])) > 0;
}
