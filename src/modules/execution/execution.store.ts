import type { Reader, Tx } from "../../db/db";
import type { ExecutionChangeKind, ExecutionEventPublisher } from "../../pubsub/execution-events";
import { appendEvents, NewEvent } from "../events/event-log";
import { ExecutionContactStatus as C, ExecutionStatus as S, PauseReason, ProgramExecution, SkipReason } from "./execution.entity";
import { selectExecution } from "./execution.row";
import { COUNTER_COLUMN, effectiveStatusOf, ExecutionAction, EXECUTION_TRANSITIONS, sqlList, TERMINAL_STATUSES } from "./execution-lifecycle";

// SQL shared by the execution service and the dispatcher. Every change bumps `sequence_no` and `updated_at` in the
// same statement, and counters move in the same transaction as the contact rows they count.

/**
 * One lifecycle move, in the caller's transaction: a compare-and-set from the transition table (the row read and
 * locked first, so the move knows where it came from); cancel and stop skip the pending contacts; the end-of-execution
 * rule runs; `execution.status_changed` is appended to the event log. A pause records why (`pauseReason`, manual
 * unless said otherwise); every other move clears it. Answers whether it moved.
 */
export async function changeStatus(tx: Tx, id: string, action: ExecutionAction, now: Date, pauseReason: PauseReason = "manual"): Promise<boolean> {
  const t = EXECUTION_TRANSITIONS[action];
  const [row] = await tx.query<{ status: S; in_pause_window: unknown }>(`SELECT status, in_pause_window FROM program_executions WHERE id = ?${tx.dialect.lock()}`, [id]);
  if (!row || !(t.from as readonly S[]).includes(row.status)) return false;
  const reason = action === "pause" ? pauseReason : null;
  await tx.execute("UPDATE program_executions SET status = ?, pause_reason = ?, sequence_no = sequence_no + 1, updated_at = ? WHERE id = ?", [t.to, reason, now.getTime(), id]);
  const skipped = action === "cancel" || action === "stop" ? await skipPendingContacts(tx, id, now, action === "cancel" ? SkipReason.CANCELLED : SkipReason.STOPPED) : 0;
  await appendEvents(tx, id, [statusChanged(row.status, t.to, reason, skipped, Boolean(Number(row.in_pause_window)))], now);
  if (action !== "pause" && action !== "start") await finishIfDone(tx, id, now);
  return true;
}

function statusChanged(from: S, to: S, pauseReason: PauseReason | null, skipped = 0, inPauseWindow = false): NewEvent {
  return { type: "execution.status_changed", data: { from, to, effectiveStatus: effectiveStatusOf({ status: to, pauseReason }, inPauseWindow), ...(skipped ? { skipped } : {}) } };
}

/** Marks every pending contact skipped (cancel, stop) and moves the counters by the rows actually changed. */
async function skipPendingContacts(tx: Tx, id: string, now: Date, reason: SkipReason): Promise<number> {
  const n = await tx.execute(`UPDATE execution_contacts SET status = '${C.SKIPPED}', skip_reason = ?, next_attempt_at = NULL WHERE execution_id = ? AND status = '${C.PENDING}'`, [reason, id]);
  if (n > 0) await moveCounters(tx, id, { [C.PENDING]: -n, [C.SKIPPED]: n }, now);
  return n;
}

/**
 * The one rule for the end of an execution. A running execution with nothing pending or in progress completes;
 * a terminal one (completed, stopped, cancelled) is **finished** (`actual_end_at` set, the program free to launch
 * again) once no call is left, and `execution.finished` records its final counters. Answers whether anything moved.
 * `mayFinish` is the same rule on a row already read, to skip the statement when it cannot match.
 */
export async function finishIfDone(tx: Tx, id: string, now: Date): Promise<boolean> {
  const completed = await tx.execute(
    `UPDATE program_executions SET status = '${S.COMPLETED}', pause_reason = NULL, sequence_no = sequence_no + 1, updated_at = ?
     WHERE id = ? AND status IN (${sqlList(EXECUTION_TRANSITIONS.complete.from)}) AND contacts_pending = 0 AND contacts_in_progress = 0`,
    [now.getTime(), id],
  );
  if (completed) await appendEvents(tx, id, [statusChanged(S.RUNNING, S.COMPLETED, null)], now);
  const finished = await tx.execute(
    `UPDATE program_executions SET actual_end_at = ?, active_program_id = NULL, sequence_no = sequence_no + 1, updated_at = ?
     WHERE id = ? AND status IN (${sqlList(TERMINAL_STATUSES)}) AND contacts_in_progress = 0 AND actual_end_at IS NULL`,
    [now.getTime(), now.getTime(), id],
  );
  if (finished) {
    const e = (await readExecution(tx, id))!;
    const counters = { totalContacts: e.totalContacts, contactsCompleted: e.contactsCompleted, contactsFailed: e.contactsFailed, contactsPending: e.contactsPending, contactsInProgress: e.contactsInProgress, contactsSkipped: e.contactsSkipped };
    await appendEvents(tx, id, [{ type: "execution.finished", data: { status: e.status, ...counters } }], now);
  }
  return completed + finished > 0;
}

export function readExecution(r: Reader, id: string, organizationId?: string): Promise<ProgramExecution | null> {
  return selectExecution(r, id, organizationId);
}

export function isFinished(e: Pick<ProgramExecution, "actualEndAt">): boolean {
  return e.actualEndAt !== null;
}

export function mayFinish(e: { status: S; contactsPending: number; contactsInProgress: number; actualEndAt?: Date | null }): boolean {
  if (e.contactsInProgress !== 0 || e.actualEndAt) return false;
  return (e.status === S.RUNNING && e.contactsPending === 0) || TERMINAL_STATUSES.includes(e.status);
}

/** Reads the execution as this transaction left it and publishes it once the transaction commits. */
export async function publishAfterCommit(tx: Tx, events: ExecutionEventPublisher, id: string, kind: ExecutionChangeKind): Promise<ProgramExecution> {
  const snapshot = (await readExecution(tx, id))!;
  tx.afterCommit(() => events.publishExecution(snapshot, kind));
  return snapshot;
}

/**
 * Reads the execution and locks its row for the rest of the transaction (MySQL `FOR UPDATE`; SQLite transactions
 * are serialised anyway). Claims, completions and lease work for one execution all start here, so they take
 * their locks in the same order (execution row first, then its contacts) and read a status nobody can move under them.
 */
export function readExecutionForUpdate(tx: Tx, id: string): Promise<ProgramExecution | null> {
  return selectExecution(tx, id, undefined, { forUpdate: true });
}

/** How many contacts entered (+) or left (−) each status. */
export type CounterDelta = Partial<Record<C, number>>;

/**
 * Moves the execution's counters by `delta` (the rows a statement actually changed) and bumps `sequence_no`.
 * `extraSet` adds assignments to the same statement (e.g. `actual_start_at = COALESCE(actual_start_at, ?)`).
 * Answers whether it wrote anything (nothing to move and nothing extra: no statement, no bump).
 */
export async function moveCounters(tx: Tx, id: string, delta: CounterDelta, now: Date, extraSet = "", extraParams: unknown[] = []): Promise<boolean> {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const [status, n] of Object.entries(delta) as Array<[C, number]>) {
    if (!n) continue;
    const col = COUNTER_COLUMN[status];
    sets.push(`${col} = ${col} + ?`);
    params.push(n);
  }
  if (sets.length === 0 && !extraSet) return false;
  await tx.execute(
    `UPDATE program_executions SET ${[...sets, ...(extraSet ? [extraSet] : [])].join(", ")}, sequence_no = sequence_no + 1, updated_at = ? WHERE id = ?`,
    [...params, ...extraParams, now.getTime(), id],
  );
  return true;
}

/** Bumps `sequence_no` for a change that moves no counter (a late result rewriting an attempt), so it is published. */
export async function bumpSequence(tx: Tx, id: string, now: Date): Promise<void> {
  await tx.execute("UPDATE program_executions SET sequence_no = sequence_no + 1, updated_at = ? WHERE id = ?", [now.getTime(), id]);
}

/** Unfinished executions (those holding their program's active slot) by status: one index range, for metrics. */
export async function countUnfinishedByStatus(r: Reader): Promise<Record<string, number>> {
  const rows = await r.query<{ status: string; n: number | string }>(
    "SELECT status, COUNT(*) AS n FROM program_executions WHERE active_program_id IS NOT NULL GROUP BY status",
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}
