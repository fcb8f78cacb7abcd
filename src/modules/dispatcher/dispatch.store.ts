import { randomUUID } from "node:crypto";
import { toInt } from "../../db/columns";
import type { Reader, Tx } from "../../db/db";
import { ExecutionContactStatus as C, ExecutionStatus } from "../execution/execution.entity";
import { CONTACT_TRANSITIONS, ContactAction, sqlList } from "../execution/execution-lifecycle";
import type { CounterDelta } from "../execution/execution.store";

// The dispatcher's SQL. Every statement is written once for both dialects; the only difference is row locking,
// which MySQL needs (`FOR UPDATE [SKIP LOCKED]`) and SQLite does not (Db serialises its transactions).
// Callers lock the execution row first (readExecutionForUpdate), so every writer takes locks in one order.

const IN_PROGRESS = C.IN_PROGRESS;

function marks(n: number): string {
  return Array(n).fill("?").join(", ");
}

function lockClause(tx: Tx, skipLocked: boolean): string {
  return tx.dialect.lock({ skipLocked });
}

/** What the scheduler needs to know about one execution that is not finished yet. */
export interface UnfinishedExecution {
  id: string;
  status: ExecutionStatus;
  scheduledStartAt: number;
  scheduledStopAt: number | null;
  contactsPending: number;
  contactsInProgress: number;
  maxConcurrentCalls: number;
}

/** Executions whose `actual_end_at` is unset: `active_program_id` is non-NULL exactly then, and indexed. */
export async function listUnfinishedExecutions(r: Reader): Promise<UnfinishedExecution[]> {
  const rows = await r.query<Record<string, unknown>>(
    `SELECT id, status, scheduled_start_at, scheduled_stop_at, contacts_pending, contacts_in_progress, max_concurrent_calls
     FROM program_executions WHERE active_program_id IS NOT NULL`,
  );
  return rows.map((row) => ({
    id: String(row.id),
    status: row.status as ExecutionStatus,
    scheduledStartAt: toInt(row.scheduled_start_at),
    scheduledStopAt: row.scheduled_stop_at == null ? null : toInt(row.scheduled_stop_at),
    contactsPending: toInt(row.contacts_pending),
    contactsInProgress: toInt(row.contacts_in_progress),
    maxConcurrentCalls: toInt(row.max_concurrent_calls),
  }));
}

export interface ClaimedContact {
  contactId: string;
  phone: string;
  attemptNumber: number;
  /** The call_attempts row id, also the provider's call id. */
  callId: string;
}

/**
 * Claims up to `limit` due contacts of one execution: pending → inProgress (compare-and-set), attempts + 1,
 * lease and owner stamped, and the attempt's call_attempts row inserted with `started_at` (outcome NULL).
 * The caller moves the counters in the same transaction.
 */
export async function claimDueContacts(tx: Tx, executionId: string, limit: number, now: number, leaseUntil: number, claimedBy: string): Promise<ClaimedContact[]> {
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT contact_id, primary_phone, attempts FROM execution_contacts
     WHERE execution_id = ? AND status = '${C.PENDING}' AND next_attempt_at <= ?
     ORDER BY next_attempt_at LIMIT ${Math.floor(limit)}${lockClause(tx, true)}`,
    [executionId, now],
  );
  if (rows.length === 0) return [];
  const claimed = rows.map((r) => ({
    contactId: String(r.contact_id),
    phone: String(r.primary_phone),
    attemptNumber: toInt(r.attempts) + 1,
    callId: randomUUID(),
  }));
  const ids = claimed.map((c) => c.contactId);
  const changed = await tx.execute(
    `UPDATE execution_contacts SET status = '${CONTACT_TRANSITIONS.claim.to}', attempts = attempts + 1, lease_expires_at = ?, claimed_by = ?
     WHERE execution_id = ? AND status IN (${sqlList(CONTACT_TRANSITIONS.claim.from)}) AND contact_id IN (${marks(ids.length)})`,
    [leaseUntil, claimedBy, executionId, ...ids],
  );
  // The rows are locked (MySQL) or the transaction is alone (SQLite): anything else is a bug, so roll back.
  if (changed !== ids.length) throw new Error(`claim changed ${changed} of ${ids.length} locked contacts`);
  await tx.execute(
    `INSERT INTO call_attempts (id, execution_id, contact_id, attempt_number, started_at) VALUES ${claimed.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
    claimed.flatMap((c) => [c.callId, executionId, c.contactId, c.attemptNumber, now]),
  );
  return claimed;
}

export interface ContactFields {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  customAttributes: Record<string, unknown>;
}

/** The flow's contact fields; a contact deleted since launch is simply missing (it is still called). */
export async function readContactFields(r: Reader, contactIds: string[]): Promise<Map<string, ContactFields>> {
  const out = new Map<string, ContactFields>();
  if (contactIds.length === 0) return out;
  const rows = await r.query<Record<string, unknown>>(
    `SELECT id, first_name, last_name, primary_email, custom_attributes FROM contacts WHERE id IN (${marks(contactIds.length)})`,
    contactIds,
  );
  for (const row of rows) {
    let attrs: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(String(row.custom_attributes ?? "{}"));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) attrs = parsed as Record<string, unknown>;
    } catch {
      // unreadable attributes read as none
    }
    out.set(String(row.id), {
      firstName: (row.first_name as string | null) ?? null,
      lastName: (row.last_name as string | null) ?? null,
      email: (row.primary_email as string | null) ?? null,
      customAttributes: attrs,
    });
  }
  return out;
}

/**
 * Of `contactIds`, those still in progress under `claimedBy`, locked, with their attempt counts. A contact whose
 * lease expired and was reclaimed (by anyone, this process included) no longer matches, or has a higher count.
 */
export async function lockOwnContacts(tx: Tx, executionId: string, contactIds: string[], claimedBy: string): Promise<Map<string, number>> {
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT contact_id, attempts FROM execution_contacts
     WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND claimed_by = ? AND contact_id IN (${marks(contactIds.length)})${lockClause(tx, false)}`,
    [executionId, claimedBy, ...contactIds],
  );
  return new Map(rows.map((r) => [String(r.contact_id), toInt(r.attempts)]));
}

/** In-progress contacts whose lease ran out (their dispatcher died or stalled), locked, with their attempt counts. */
export async function lockExpiredContacts(tx: Tx, executionId: string, now: number, limit: number): Promise<Map<string, number>> {
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT contact_id, attempts FROM execution_contacts
     WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND lease_expires_at < ? LIMIT ${Math.floor(limit)}${lockClause(tx, true)}`,
    [executionId, now],
  );
  return new Map(rows.map((r) => [String(r.contact_id), toInt(r.attempts)]));
}

/** Whether any in-progress contact of the execution has an expired lease (a cheap read before locking). */
export async function hasExpiredLeases(r: Reader, executionId: string, now: number): Promise<boolean> {
  const rows = await r.query(
    `SELECT contact_id FROM execution_contacts WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND lease_expires_at < ? LIMIT 1`,
    [executionId, now],
  );
  return rows.length > 0;
}

/** Where an in-progress contact goes after its attempt. */
export interface ContactMove {
  contactId: string;
  to: C.PENDING | C.COMPLETED | C.FAILED | C.SKIPPED;
  outcome: string;
  /** Epoch ms; pending only. */
  nextAttemptAt: number | null;
}

const ACTION_TO: Record<ContactMove["to"], ContactAction> = {
  [C.PENDING]: "retry",
  [C.COMPLETED]: "complete",
  [C.FAILED]: "fail",
  [C.SKIPPED]: "skip",
};

/** Who may move an in-progress contact: its owner, or anyone once its lease expired. */
export type MoveGuard = { claimedBy: string } | { leaseExpiredBefore: number };

/**
 * Moves in-progress contacts out of inProgress, one compare-and-set statement per target status, and answers the
 * counter delta from the rows each statement actually changed.
 */
export async function moveInProgressContacts(tx: Tx, executionId: string, moves: ContactMove[], guard: MoveGuard): Promise<CounterDelta> {
  const delta: CounterDelta = {};
  const byTarget = new Map<ContactMove["to"], ContactMove[]>();
  for (const m of moves) byTarget.set(m.to, [...(byTarget.get(m.to) ?? []), m]);
  const guardSql = "claimedBy" in guard ? "claimed_by = ?" : "lease_expires_at < ?";
  const guardParam = "claimedBy" in guard ? guard.claimedBy : guard.leaseExpiredBefore;
  for (const [to, group] of byTarget) {
    const t = CONTACT_TRANSITIONS[ACTION_TO[to]];
    if (!(t.from as readonly C[]).includes(IN_PROGRESS)) throw new Error(`no transition from inProgress to ${to}`);
    const outcomeCase = `CASE contact_id ${group.map(() => "WHEN ? THEN ?").join(" ")} END`;
    const params: unknown[] = [t.to, ...group.flatMap((m) => [m.contactId, m.outcome])];
    let nextSql = "NULL";
    if (to === C.PENDING) {
      nextSql = `CASE contact_id ${group.map(() => "WHEN ? THEN ?").join(" ")} END`;
      params.push(...group.flatMap((m) => [m.contactId, m.nextAttemptAt]));
    }
    const changed = await tx.execute(
      `UPDATE execution_contacts SET status = ?, last_outcome = ${outcomeCase}, next_attempt_at = ${nextSql}, lease_expires_at = NULL, claimed_by = NULL
       WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND ${guardSql} AND contact_id IN (${marks(group.length)})`,
      [...params, executionId, guardParam, ...group.map((m) => m.contactId)],
    );
    delta[to] = (delta[to] ?? 0) + changed;
    delta[IN_PROGRESS] = (delta[IN_PROGRESS] ?? 0) - changed;
  }
  return delta;
}

/** The finished attempt as stored on its call_attempts row. */
export interface AttemptRecord {
  id: string;
  executionId: string;
  contactId: string;
  attemptNumber: number;
  startedAt: number;
  outcome: string;
  failureReason: string | null;
  flowOutcome: string | null;
  answeredAt: number | null;
  endedAt: number;
  durationMs: number;
  path: string[];
  variables: Record<string, unknown>;
}

const ATTEMPT_COLUMNS = [
  "id",
  "execution_id",
  "contact_id",
  "attempt_number",
  "started_at",
  "outcome",
  "failure_reason",
  "flow_outcome",
  "answered_at",
  "ended_at",
  "duration_ms",
  "path",
  "variables",
] as const;
const RESULT_COLUMNS = ATTEMPT_COLUMNS.slice(5);

/**
 * Writes the results of finished attempts onto their call_attempts rows (inserted at claim) in one statement.
 * MySQL: an UPDATE joined to the rows' values by primary key, which locks only those rows (an upsert would take
 * next-key locks on the unique index and block concurrent claims' inserts). SQLite: a multi-row upsert.
 */
export async function recordAttempts(tx: Tx, rows: AttemptRecord[]): Promise<void> {
  if (rows.length === 0) return;
  const values = (r: AttemptRecord) => [r.outcome, r.failureReason, r.flowOutcome, r.answeredAt, r.endedAt, r.durationMs, JSON.stringify(r.path), JSON.stringify(r.variables)];
  await tx.execute(tx.dialect.updateFromRows("call_attempts", "id", RESULT_COLUMNS, rows.length, "t.outcome IS NULL"), rows.flatMap((r) => [r.id, ...values(r)]));
}

/**
 * Turns contacts a completion just put back to pending into skipped: the execution was cancelled or stopped
 * while the completion ran, after its pending contacts had been skipped. Answers the rows changed.
 */
export async function skipRetries(tx: Tx, executionId: string, contactIds: string[]): Promise<number> {
  if (contactIds.length === 0) return 0;
  return tx.execute(
    `UPDATE execution_contacts SET status = '${CONTACT_TRANSITIONS.skip.to}', next_attempt_at = NULL
     WHERE execution_id = ? AND status = '${C.PENDING}' AND contact_id IN (${marks(contactIds.length)})`,
    [executionId, ...contactIds],
  );
}

/**
 * Closes the open attempt of each contact as `failed` with `reason` (a contact has at most one open attempt:
 * the one that made it inProgress).
 */
export async function closeOpenAttempts(tx: Tx, executionId: string, contactIds: string[], now: number, reason: string): Promise<number> {
  if (contactIds.length === 0) return 0;
  return tx.execute(
    `UPDATE call_attempts SET outcome = 'failed', failure_reason = ?, ended_at = ?, duration_ms = ? - started_at
     WHERE execution_id = ? AND outcome IS NULL AND contact_id IN (${marks(contactIds.length)})`,
    [reason, now, now, executionId, ...contactIds],
  );
}

/** Extends the lease of contacts this dispatcher still holds; answers how many it extended. */
export async function renewLeases(tx: Tx, executionId: string, contactIds: string[], claimedBy: string, leaseUntil: number): Promise<number> {
  if (contactIds.length === 0) return 0;
  return tx.execute(
    `UPDATE execution_contacts SET lease_expires_at = ?
     WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND claimed_by = ? AND contact_id IN (${marks(contactIds.length)})`,
    [leaseUntil, executionId, claimedBy, ...contactIds],
  );
}

/** Of `contactIds`, those in progress under `claimedBy`, with their attempt counts (a plain read, no locks). */
export async function readOwnContacts(r: Reader, executionId: string, contactIds: string[], claimedBy: string): Promise<Map<string, number>> {
  const rows = await r.query<Record<string, unknown>>(
    `SELECT contact_id, attempts FROM execution_contacts
     WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND claimed_by = ? AND contact_id IN (${marks(contactIds.length)})`,
    [executionId, claimedBy, ...contactIds],
  );
  return new Map(rows.map((row) => [String(row.contact_id), toInt(row.attempts)]));
}
