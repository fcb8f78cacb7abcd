import { randomUUID } from "node:crypto";
import { toInt } from "../../db/columns";
import type { Reader, Tx } from "../../db/db";
import { ExecutionContactStatus as C, ExecutionStatus, SkipReason } from "../execution/execution.entity";
import { CONTACT_TRANSITIONS, ContactAction, sqlList } from "../execution/execution-lifecycle";
import type { CounterDelta } from "../execution/execution.store";
import type { PauseWindows } from "../rules/rules.schema";

// The SQL of claims, leases and placements. Callers lock the execution row first (readExecutionForUpdate), so every
// writer takes its locks in one order: execution row, then its contacts. Lease times come from the database clock
// (`dialect.nowMs`), so hosts with skewed clocks never steal a live lease; due times are the service clock's.

const IN_PROGRESS = C.IN_PROGRESS;

export function marks(n: number): string {
  return Array(n).fill("?").join(", ");
}

/** What the scheduler needs to know about one execution that is not finished yet. */
export interface UnfinishedExecution {
  id: string;
  organizationId: string;
  status: ExecutionStatus;
  scheduledStartAt: number;
  scheduledStopAt: number | null;
  contactsPending: number;
  contactsInProgress: number;
  maxConcurrentCalls: number;
  pauseWindows: PauseWindows | null;
  inPauseWindow: boolean;
}

/** Executions whose `actual_end_at` is unset: `active_program_id` is non-NULL exactly then, and indexed. */
export async function listUnfinishedExecutions(r: Reader): Promise<UnfinishedExecution[]> {
  const rows = await r.query<Record<string, unknown>>(
    `SELECT id, organization_id, status, scheduled_start_at, scheduled_stop_at, contacts_pending, contacts_in_progress, max_concurrent_calls,
       pause_windows, in_pause_window FROM program_executions WHERE active_program_id IS NOT NULL`,
  );
  return rows.map((row) => ({
    id: String(row.id),
    organizationId: String(row.organization_id),
    pauseWindows: row.pause_windows == null ? null : (JSON.parse(String(row.pause_windows)) as PauseWindows | null),
    inPauseWindow: Boolean(Number(row.in_pause_window)),
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
  /** The call_attempts row id: the claim token, also our call id with the provider. */
  attemptId: string;
}

/** A pending contact that is due, selected (and locked) for a claim. */
export interface DueContact {
  contactId: string;
  phone: string;
  attempts: number;
}

/**
 * Due pending contacts of one execution's zone group ("" without calling hours), soonest first, locked and skipping
 * rows other claimers hold. One index range: (execution, status, zone group, due time).
 */
export async function selectDue(tx: Tx, executionId: string, zoneKey: string, limit: number, now: number): Promise<DueContact[]> {
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT contact_id, primary_phone, attempts FROM execution_contacts
     WHERE execution_id = ? AND status = '${C.PENDING}' AND zone_key = ? AND next_attempt_at <= ?
     ORDER BY next_attempt_at LIMIT ${Math.floor(limit)}${tx.dialect.lock({ skipLocked: true })}`,
    [executionId, zoneKey, now],
  );
  return rows.map((r) => ({ contactId: String(r.contact_id), phone: String(r.primary_phone), attempts: toInt(r.attempts) }));
}

/**
 * Claims selected contacts: pending → inProgress (compare-and-set), attempts + 1, a claim token, the owner and a lease
 * stamped, and the attempt's call_attempts row inserted with `started_at` (outcome NULL) and the caller ID chosen for
 * it. The caller moves the counters in the same transaction.
 */
export async function claimSelected(
  tx: Tx,
  executionId: string,
  due: DueContact[],
  now: number,
  leaseMs: number,
  claimedBy: string,
  pickFrom: (phones: string[]) => Promise<string[]>,
): Promise<ClaimedContact[]> {
  if (due.length === 0) return [];
  const claimed = due.map((r) => ({ contactId: r.contactId, phone: r.phone, attemptNumber: r.attempts + 1, attemptId: randomUUID() }));
  const token = `CASE contact_id ${claimed.map(() => "WHEN ? THEN ?").join(" ")} END`;
  const changed = await tx.execute(
    `UPDATE execution_contacts SET status = '${CONTACT_TRANSITIONS.claim.to}', attempts = attempts + 1, claim_token = ${token},
       lease_expires_at = ${tx.dialect.nowMs} + ?, claimed_by = ?
     WHERE execution_id = ? AND status IN (${sqlList(CONTACT_TRANSITIONS.claim.from)}) AND contact_id IN (${marks(claimed.length)})`,
    [...claimed.flatMap((c) => [c.contactId, c.attemptId]), leaseMs, claimedBy, executionId, ...claimed.map((c) => c.contactId)],
  );
  // The rows are locked (MySQL) or the transaction is alone (SQLite): anything else is a bug, so roll back.
  if (changed !== claimed.length) throw new Error(`claim changed ${changed} of ${claimed.length} locked contacts`);
  const from = await pickFrom(claimed.map((c) => c.phone));
  await tx.execute(
    `INSERT INTO call_attempts (id, execution_id, contact_id, attempt_number, started_at, from_number) VALUES ${claimed.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`,
    claimed.flatMap((c, i) => [c.attemptId, executionId, c.contactId, c.attemptNumber, now, from[i]]),
  );
  return claimed;
}

/** Selected contacts whose number is on the do-not-call list: pending → skipped (dnc). Answers the rows changed. */
export async function skipListed(tx: Tx, executionId: string, contactIds: string[]): Promise<number> {
  if (contactIds.length === 0) return 0;
  return tx.execute(
    `UPDATE execution_contacts SET status = '${C.SKIPPED}', skip_reason = 'dnc', next_attempt_at = NULL
     WHERE execution_id = ? AND status = '${C.PENDING}' AND contact_id IN (${marks(contactIds.length)})`,
    [executionId, ...contactIds],
  );
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

/** Extends the leases of claims (by token) that are still in progress and not yet placed; answers how many. */
export async function renewLeases(tx: Tx, executionId: string, tokens: string[], leaseMs: number): Promise<number> {
  if (tokens.length === 0) return 0;
  return tx.execute(
    `UPDATE execution_contacts SET lease_expires_at = ${tx.dialect.nowMs} + ?
     WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND lease_expires_at IS NOT NULL AND claim_token IN (${marks(tokens.length)})`,
    [leaseMs, executionId, ...tokens],
  );
}

/** Of `tokens`, the claims still in progress (a plain read, no locks). */
export async function readLiveClaims(r: Reader, executionId: string, tokens: string[]): Promise<Set<string>> {
  if (tokens.length === 0) return new Set();
  const rows = await r.query<Record<string, unknown>>(
    `SELECT claim_token FROM execution_contacts WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND claim_token IN (${marks(tokens.length)})`,
    [executionId, ...tokens],
  );
  return new Set(rows.map((row) => String(row.claim_token)));
}

/** A claim whose lease ran out before its call was placed (its dispatcher died or stalled). */
export interface ExpiredClaim {
  contactId: string;
  phone: string;
  attempts: number;
  attemptId: string;
  startedAt: number;
}

const EXPIRED = `status = '${IN_PROGRESS}' AND lease_expires_at IS NOT NULL`;

/** Expired claims of one execution, locked (skipping rows another reclaimer holds). */
export async function lockExpiredClaims(tx: Tx, executionId: string, limit: number): Promise<ExpiredClaim[]> {
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT ec.contact_id, ec.primary_phone, ec.attempts, ec.claim_token, ca.started_at FROM execution_contacts ec
     LEFT JOIN call_attempts ca ON ca.id = ec.claim_token
     WHERE ec.execution_id = ? AND ec.${EXPIRED} AND ec.lease_expires_at < ${tx.dialect.nowMs}
     LIMIT ${Math.floor(limit)}${tx.dialect.lock({ skipLocked: true })}`,
    [executionId],
  );
  return rows.map((row) => ({
    contactId: String(row.contact_id),
    phone: String(row.primary_phone),
    attempts: toInt(row.attempts),
    attemptId: String(row.claim_token),
    startedAt: row.started_at == null ? 0 : toInt(row.started_at),
  }));
}

/** Whether any claim of the execution has an expired lease (a cheap read before locking). */
export async function hasExpiredClaims(r: Reader, executionId: string): Promise<boolean> {
  const rows = await r.query(
    `SELECT contact_id FROM execution_contacts WHERE execution_id = ? AND ${EXPIRED} AND lease_expires_at < ${r.dialect.nowMs} LIMIT 1`,
    [executionId],
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

/**
 * Moves in-progress contacts out of inProgress and clears their claim, one compare-and-set statement per target
 * status, and answers the counter delta from the rows each statement actually changed. The caller holds the rows
 * (locked, claim tokens checked).
 */
export async function moveInProgressContacts(tx: Tx, executionId: string, moves: ContactMove[], skipReason: SkipReason): Promise<CounterDelta> {
  const delta: CounterDelta = {};
  const byTarget = new Map<ContactMove["to"], ContactMove[]>();
  for (const m of moves) byTarget.set(m.to, [...(byTarget.get(m.to) ?? []), m]);
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
      `UPDATE execution_contacts SET status = ?, last_outcome = ${outcomeCase}, next_attempt_at = ${nextSql}, skip_reason = ?,
         lease_expires_at = NULL, claimed_by = NULL, claim_token = NULL, provider_failures = 0
       WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND contact_id IN (${marks(group.length)})`,
      [...params, to === C.SKIPPED ? skipReason : null, executionId, ...group.map((m) => m.contactId)],
    );
    delta[to] = (delta[to] ?? 0) + changed;
    delta[IN_PROGRESS] = (delta[IN_PROGRESS] ?? 0) - changed;
  }
  return delta;
}

/** A claim to give back without using an attempt, due again at `nextAttemptAt`. */
export interface Release {
  contactId: string;
  attemptId: string;
  nextAttemptAt: number;
}

/**
 * Gives claims back as if they had never been taken: the attempt row goes, `attempts` goes back down, and the
 * contact is pending again at `nextAttemptAt`, counting one more provider failure in a row (`countFailure`).
 * Answers the counter delta.
 */
export async function releaseClaims(tx: Tx, executionId: string, releases: Release[], countFailure: boolean): Promise<CounterDelta> {
  if (releases.length === 0) return {};
  const t = CONTACT_TRANSITIONS.release;
  const next = `CASE contact_id ${releases.map(() => "WHEN ? THEN ?").join(" ")} END`;
  const changed = await tx.execute(
    `UPDATE execution_contacts SET status = '${t.to}', attempts = attempts - 1, next_attempt_at = ${next},
       lease_expires_at = NULL, claimed_by = NULL, claim_token = NULL, provider_failures = provider_failures + ?
     WHERE execution_id = ? AND status IN (${sqlList(t.from)}) AND claim_token IN (${marks(releases.length)})`,
    [...releases.flatMap((r) => [r.contactId, r.nextAttemptAt]), countFailure ? 1 : 0, executionId, ...releases.map((r) => r.attemptId)],
  );
  if (changed !== releases.length) throw new Error(`release changed ${changed} of ${releases.length} claims`);
  await tx.execute(`DELETE FROM call_attempts WHERE outcome IS NULL AND id IN (${marks(releases.length)})`, releases.map((r) => r.attemptId));
  return { [C.PENDING]: changed, [IN_PROGRESS]: -changed };
}

/** Provider failures in a row of claimed contacts, by claim token. */
export async function readProviderFailures(r: Reader, executionId: string, tokens: string[]): Promise<Map<string, number>> {
  if (tokens.length === 0) return new Map();
  const rows = await r.query<Record<string, unknown>>(
    `SELECT claim_token, provider_failures FROM execution_contacts WHERE execution_id = ? AND claim_token IN (${marks(tokens.length)})`,
    [executionId, ...tokens],
  );
  return new Map(rows.map((row) => [String(row.claim_token), toInt(row.provider_failures)]));
}

/** A call the carrier accepted: its call id and the flow's first state. */
export interface Placement {
  executionId: string;
  contactId: string;
  attemptId: string;
  providerCallId: string;
  flowState: unknown;
}

/**
 * Records calls of one execution the carrier accepted: the contact's lease is dropped (a placed call lives on its
 * carrier events, and a silent one is asked about before anything is decided), and the attempt gets the carrier's
 * call id, its first flow state (unless a webhook was faster) and a first sign of life. The caller holds the
 * execution row.
 */
export async function markPlaced(tx: Tx, executionId: string, unordered: Placement[]): Promise<void> {
  if (unordered.length === 0) return;
  // Rows of a multi-row write are locked in id order by every writer.
  const placements = [...unordered].sort((a, b) => (a.attemptId < b.attemptId ? -1 : 1));
  await tx.execute(
    `UPDATE execution_contacts SET lease_expires_at = NULL, provider_failures = 0
     WHERE execution_id = ? AND status = '${IN_PROGRESS}' AND claim_token IN (${marks(placements.length)})`,
    [executionId, ...placements.map((p) => p.attemptId)],
  );
  // The call id even when the result got here first (an immediate busy); the flow state only for an open call.
  await tx.execute(
    tx.dialect.updateFromRows("call_attempts", "id", [], placements.length, {
      compare: ["call_id", "new_state"],
      also: { provider_call_id: "COALESCE(t.provider_call_id, v.call_id)", flow_state: "CASE WHEN t.outcome IS NULL AND t.flow_state IS NULL THEN v.new_state ELSE t.flow_state END" },
    }),
    placements.flatMap((p) => [p.attemptId, p.providerCallId, JSON.stringify(p.flowState)]),
  );
  await tx.execute(
    `UPDATE call_attempts SET flow_turn = COALESCE(flow_turn, 0), last_event_at = ${tx.dialect.nowMs}
     WHERE outcome IS NULL AND id IN (${marks(placements.length)})`,
    placements.map((p) => p.attemptId),
  );
}

/** Closes the open attempts `attemptIds` as `failed` with `reason`. */
export async function closeOpenAttempts(tx: Tx, attemptIds: string[], now: number, reason: string): Promise<number> {
  if (attemptIds.length === 0) return 0;
  return tx.execute(
    `UPDATE call_attempts SET outcome = 'failed', failure_reason = ?, ended_at = ?, duration_ms = ? - started_at
     WHERE outcome IS NULL AND id IN (${marks(attemptIds.length)})`,
    [reason, now, now, ...attemptIds],
  );
}
