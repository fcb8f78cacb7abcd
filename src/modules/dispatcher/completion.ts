// Recording a finished attempt: the one store operation every path uses (in-process calls, carrier webhooks,
// carrier lookups, refusals). Modelled on a job queue's atomic "move to finished" that checks the job's lock token.

import { toInt } from "../../db/columns";
import type { Tx } from "../../db/db";
import type { ExecutionEventPublisher } from "../../pubsub/execution-events";
import * as metrics from "../../shared/metrics";
import { appendEvents, NewEvent } from "../events/event-log";
import { ExecutionContactStatus as C, ExecutionStatus as S, ProgramExecution, SkipReason } from "../execution/execution.entity";
import { CONTACT_TRANSITIONS, sqlList } from "../execution/execution-lifecycle";
import { bumpSequence, changeStatus, CounterDelta, finishIfDone, mayFinish, moveCounters, publishAfterCommit, readExecutionForUpdate } from "../execution/execution.store";
import type { RetryStrategy } from "../program/retry-strategy.types";
import type { CallOutcome, FlowOutcome } from "../telephony/call-outcome";
import { ContactMove, marks, moveInProgressContacts } from "./dispatch.store";
import type { FlowState } from "./flow-machine";
import { decideAfterAttempt } from "./retry-policy";

/** How the flow of an answered call went, as the process that ran it knows it. */
export interface FlowResult {
  flowOutcome: FlowOutcome | null;
  answeredAt: Date | null;
  path: string[];
  variables: Record<string, unknown>;
}

/**
 * What one attempt came to, from whichever process learnt it. A call that ran here brings its flow's result; a
 * carrier's call (`flow: "stored"`) ran on webhooks, and its flow is read from the state saved on its attempt.
 */
export interface FinishedAttempt {
  /** The attempt id: the claim token of the claim that placed the call. */
  attemptId: string;
  /** Known to the process that claimed the call; read from the attempt row otherwise. */
  executionId?: string;
  outcome: CallOutcome;
  failureReason: string | null;
  endedAt: Date;
  flow: FlowResult | "stored";
  /** The carrier's call id, when the result comes from the carrier (it may arrive before the placement is recorded). */
  providerCallId?: string;
}

export interface CompletionReport {
  /** Attempts written as results of their own claim. */
  recorded: number;
  /** Results that arrived after their attempt was closed another way (and rewrote it). */
  late: number;
  /** Contacts a late answer by a person moved to completed. */
  corrected: number;
  /** Results for attempts already recorded (a repeated callback): nothing changed. */
  ignored: number;
}

/**
 * Where a contact goes after an attempt: the retry strategy's decision, except that after a cancel or stop a
 * retry that is still due makes the contact skipped (it has no final outcome and never will).
 */
export function decideMove(strategy: RetryStrategy, status: S, contactId: string, attemptNumber: number, outcome: CallOutcome, endedAt: Date): ContactMove {
  const decision = decideAfterAttempt(strategy, attemptNumber, outcome, endedAt);
  switch (decision.kind) {
    case "completed":
      return { contactId, to: C.COMPLETED, outcome, nextAttemptAt: null };
    case "failed":
      return { contactId, to: C.FAILED, outcome, nextAttemptAt: null };
    case "retry":
      return status === S.CANCELLED || status === S.STOPPED
        ? { contactId, to: C.SKIPPED, outcome, nextAttemptAt: null }
        : { contactId, to: C.PENDING, outcome, nextAttemptAt: decision.nextAttemptAt.getTime() };
  }
}

const RESULT_COLUMNS = ["outcome", "failure_reason", "flow_outcome", "answered_at", "ended_at", "duration_ms", "path", "variables"] as const;
/** Closed by a guess (its process went silent): a real result may still replace it. */
const GUESSED = "lease_expired";

interface AttemptRow {
  id: string;
  contactId: string;
  attemptNumber: number;
  startedAt: number;
  outcome: string | null;
  failureReason: string | null;
  answeredAt: number | null;
  flowState: FlowState | null;
}

/** Items that do not name their execution get it from their attempt (a plain read, before any lock). */
async function withExecutionIds(tx: Tx, items: FinishedAttempt[], report: CompletionReport): Promise<Array<FinishedAttempt & { executionId: string }>> {
  const unknown = items.filter((i) => !i.executionId).map((i) => i.attemptId);
  const found = new Map<string, string>();
  if (unknown.length > 0) {
    const rows = await tx.query<{ id: string; execution_id: string }>(`SELECT id, execution_id FROM call_attempts WHERE id IN (${marks(unknown.length)})`, unknown);
    for (const r of rows) found.set(String(r.id), String(r.execution_id));
  }
  const out: Array<FinishedAttempt & { executionId: string }> = [];
  for (const item of items) {
    const executionId = item.executionId ?? found.get(item.attemptId);
    if (executionId) out.push({ ...item, executionId });
    else report.ignored++;
  }
  return out;
}

/** A carrier call's flow, from the state its webhooks saved: a callee who hangs up mid-flow ends it `hungUp`. */
function storedFlow(row: AttemptRow, item: FinishedAttempt): FlowResult {
  const state = row.flowState;
  const answered = item.outcome === "completed" || item.outcome === "voicemail";
  return {
    // A flow that never got its first request did not run.
    flowOutcome: answered ? (state?.end?.flowOutcome ?? (state && state.turn > 0 ? "hungUp" : "error")) : null,
    answeredAt: answered ? new Date(row.answeredAt ?? item.endedAt.getTime()) : null,
    path: state?.path ?? [],
    variables: state?.variables ?? {},
  };
}

/**
 * Records finished attempts, per execution in id order, in the caller's transaction. For each execution: lock its
 * row first (the lock order of every writer: execution, contacts, attempts), then the contacts and attempts;
 * a result whose attempt still holds its contact's claim moves the contact as the retry strategy says; a result
 * that arrives after its claim was lost (the lease ran out and the contact was reclaimed) still rewrites its
 * attempt, and a person's answer then completes the contact wherever it stood, so nobody who answered is dialled
 * again. Counters, `sequence` and the end-of-execution rule move in the same transaction; the snapshot is published
 * after commit.
 */
export async function completeAttempts(tx: Tx, items: FinishedAttempt[], now: Date, events: ExecutionEventPublisher): Promise<CompletionReport> {
  const report: CompletionReport = { recorded: 0, late: 0, corrected: 0, ignored: 0 };
  const byExecution = new Map<string, FinishedAttempt[]>();
  for (const item of await withExecutionIds(tx, items, report)) byExecution.set(item.executionId, [...(byExecution.get(item.executionId) ?? []), item]);

  for (const executionId of [...byExecution.keys()].sort()) {
    const list = byExecution.get(executionId)!;
    const exec = await readExecutionForUpdate(tx, executionId);
    if (!exec) {
      report.ignored += list.length;
      continue;
    }
    const attempts = await lockAttempts(tx, executionId, list.map((i) => i.attemptId));
    const contacts = await lockContacts(tx, executionId, [...new Set([...attempts.values()].map((a) => a.contactId))]);

    const moves: ContactMove[] = [];
    const corrections = new Map<string, C>();
    const writes: Array<{ row: AttemptRow; item: FinishedAttempt; flow: FlowResult; late: boolean }> = [];
    for (const item of list) {
      const row = attempts.get(item.attemptId);
      const open = row?.outcome === null;
      const replaceable = row?.failureReason === GUESSED && item.failureReason !== "aborted" && item.failureReason !== GUESSED;
      if (!row || (!open && !replaceable)) {
        report.ignored++;
        continue;
      }
      attempts.delete(item.attemptId); // one result per attempt in a batch
      const contact = contacts.get(row.contactId);
      const own = open && contact?.status === C.IN_PROGRESS && contact.claimToken === row.id;
      writes.push({ row, item, flow: item.flow === "stored" ? storedFlow(row, item) : item.flow, late: !own });
      if (own) {
        moves.push(decideMove(exec.retryStrategy, exec.status, row.contactId, row.attemptNumber, item.outcome, item.endedAt));
        report.recorded++;
        continue;
      }
      report.late++;
      if (item.outcome === "completed" && contact && (CONTACT_TRANSITIONS.correct.from as readonly C[]).includes(contact.status) && !corrections.has(row.contactId)) {
        corrections.set(row.contactId, contact.status);
      }
    }
    if (writes.length === 0) continue;

    await writeResults(tx, writes);
    // Counted once per attempt, when it gets its first outcome (a late result rewriting a guess is not a new one).
    tx.afterCommit(() => writes.forEach(({ row, item }) => row.outcome === null && metrics.attemptsFinished(item.outcome)));
    const delta = await moveInProgressContacts(tx, executionId, moves, skipReasonOf(exec.status));
    if (-(delta[C.IN_PROGRESS] ?? 0) !== moves.length) throw new Error(`completion moved ${-(delta[C.IN_PROGRESS] ?? 0)} of ${moves.length} locked contacts`);
    if (corrections.size > 0) {
      addDelta(delta, await correctContacts(tx, executionId, corrections));
      report.corrected += corrections.size;
    }
    // Every batch changes something (attempt rows, events): `sequence` rises even when no counter moves.
    if (!(await moveCounters(tx, executionId, delta, now))) await bumpSequence(tx, executionId, now);
    await appendEvents(tx, executionId, completionEvents(writes, moves, corrections, contacts, skipReasonOf(exec.status)), now);
    const paused = await countNodeRuns(tx, exec, writes.map((w) => w.flow.path), now);
    // The row is locked, so its counters after this batch are known: most batches cannot end the execution.
    const after = { ...exec, contactsPending: exec.contactsPending + (delta[C.PENDING] ?? 0), contactsInProgress: exec.contactsInProgress + (delta[C.IN_PROGRESS] ?? 0) };
    const finished = mayFinish(after) && (await finishIfDone(tx, executionId, now));
    await publishAfterCommit(tx, events, executionId, finished || paused ? "status" : "progress");
  }
  return report;
}

/**
 * Auto-pause rules: the runs of each rule's node are counted as results are recorded; when a node runs and its count
 * is at or over its rule's threshold, the running execution pauses (`paused_threshold`).
 */
async function countNodeRuns(tx: Tx, exec: ProgramExecution, paths: string[][], now: Date): Promise<boolean> {
  const rules = exec.autoPauseRules ?? [];
  if (rules.length === 0) return false;
  const watched = new Set(rules.map((r) => r.nodeId));
  const counts: Record<string, number> = { ...(exec.nodeRunCounts ?? {}) };
  const ran = new Set<string>();
  for (const path of paths) {
    for (const node of path) {
      if (!watched.has(node)) continue;
      counts[node] = (counts[node] ?? 0) + 1;
      ran.add(node);
    }
  }
  if (ran.size === 0) return false;
  await tx.execute("UPDATE program_executions SET node_run_counts = ? WHERE id = ?", [JSON.stringify(counts), exec.id]);
  const reached = rules.some((r) => ran.has(r.nodeId) && counts[r.nodeId] >= r.threshold);
  return reached && exec.status === S.RUNNING && (await changeStatus(tx, exec.id, "pause", now, "threshold"));
}

/** Why a retry still due becomes a skip, by the status the execution is in. */
export function skipReasonOf(status: S): SkipReason {
  return status === S.STOPPED ? SkipReason.STOPPED : SkipReason.CANCELLED;
}

/** Where each contact moved to, and the log entries that say so. */
export function moveEvents(moves: ContactMove[], skipReason: SkipReason): { statusOf: Map<string, C>; events: NewEvent[] } {
  const statusOf = new Map<string, C>();
  const events: NewEvent[] = [];
  for (const m of moves) {
    statusOf.set(m.contactId, m.to);
    if (m.to === C.PENDING) continue;
    events.push({ type: "contact.finalized", data: { contactId: m.contactId, status: m.to, skipReason: m.to === C.SKIPPED ? skipReason : null } });
  }
  return { statusOf, events };
}

/** attempt.finished for every attempt written, contact.finalized for every contact that reached a final status. */
function completionEvents(
  writes: Array<{ row: AttemptRow; item: FinishedAttempt; late: boolean }>,
  moves: ContactMove[],
  corrections: Map<string, C>,
  contacts: Map<string, { status: C }>,
  skipReason: SkipReason,
): NewEvent[] {
  const { statusOf, events: finalized } = moveEvents(moves, skipReason);
  for (const [contactId, previousStatus] of corrections) {
    statusOf.set(contactId, C.COMPLETED);
    finalized.push({ type: "contact.finalized", data: { contactId, status: C.COMPLETED, skipReason: null, corrected: true, previousStatus } });
  }
  const attempts: NewEvent[] = writes.map(({ row, item, late }) => {
    return {
      type: "attempt.finished",
      data: {
        contactId: row.contactId,
        attemptNumber: row.attemptNumber,
        outcome: item.outcome,
        failureReason: item.failureReason,
        contactStatus: statusOf.get(row.contactId) ?? contacts.get(row.contactId)?.status ?? null,
        ...(late ? { corrected: true } : {}),
      },
    };
  });
  return [...attempts, ...finalized];
}

async function lockContacts(tx: Tx, executionId: string, contactIds: string[]): Promise<Map<string, { status: C; claimToken: string | null }>> {
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT contact_id, status, claim_token FROM execution_contacts WHERE execution_id = ? AND contact_id IN (${marks(contactIds.length)})${tx.dialect.lock()}`,
    [executionId, ...contactIds],
  );
  return new Map(rows.map((r) => [String(r.contact_id), { status: r.status as C, claimToken: (r.claim_token as string | null) ?? null }]));
}

async function lockAttempts(tx: Tx, executionId: string, attemptIds: string[]): Promise<Map<string, AttemptRow>> {
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT id, contact_id, attempt_number, started_at, outcome, failure_reason, answered_at, flow_state FROM call_attempts
     WHERE execution_id = ? AND id IN (${marks(attemptIds.length)})${tx.dialect.lock()}`,
    [executionId, ...attemptIds],
  );
  return new Map(
    rows.map((r) => [
      String(r.id),
      {
        id: String(r.id),
        contactId: String(r.contact_id),
        attemptNumber: toInt(r.attempt_number),
        startedAt: toInt(r.started_at),
        outcome: (r.outcome as string | null) ?? null,
        failureReason: (r.failure_reason as string | null) ?? null,
        answeredAt: r.answered_at == null ? null : toInt(r.answered_at),
        flowState: r.flow_state == null ? null : (JSON.parse(String(r.flow_state)) as FlowState | null),
      },
    ]),
  );
}

async function writeResults(tx: Tx, unordered: Array<{ row: AttemptRow; item: FinishedAttempt; flow: FlowResult }>): Promise<void> {
  // Rows of a multi-row write are locked in id order by every writer.
  const writes = [...unordered].sort((a, b) => (a.row.id < b.row.id ? -1 : 1));
  const params = writes.flatMap(({ row, item, flow }) => [
    row.id,
    item.outcome,
    item.failureReason,
    flow.flowOutcome,
    flow.answeredAt?.getTime() ?? null,
    item.endedAt.getTime(),
    Math.max(0, item.endedAt.getTime() - row.startedAt),
    JSON.stringify(flow.path),
    JSON.stringify(flow.variables),
    item.providerCallId ?? null,
  ]);
  await tx.execute(
    tx.dialect.updateFromRows("call_attempts", "id", RESULT_COLUMNS, writes.length, {
      compare: ["call_id"],
      also: { provider_call_id: "COALESCE(t.provider_call_id, v.call_id)" },
      where: `(t.outcome IS NULL OR t.failure_reason = '${GUESSED}')`,
    }),
    params,
  );
}

/** A person answered after all: the contact is completed wherever it stood (its claim, if any, is dropped). */
async function correctContacts(tx: Tx, executionId: string, previous: Map<string, C>): Promise<CounterDelta> {
  const ids = [...previous.keys()];
  const t = CONTACT_TRANSITIONS.correct;
  const changed = await tx.execute(
    `UPDATE execution_contacts SET status = '${t.to}', last_outcome = 'completed', next_attempt_at = NULL, skip_reason = NULL,
       lease_expires_at = NULL, claimed_by = NULL, claim_token = NULL
     WHERE execution_id = ? AND status IN (${sqlList(t.from)}) AND contact_id IN (${marks(ids.length)})`,
    [executionId, ...ids],
  );
  if (changed !== ids.length) throw new Error(`correction changed ${changed} of ${ids.length} locked contacts`);
  const delta: CounterDelta = { [t.to]: ids.length };
  for (const status of previous.values()) delta[status] = (delta[status] ?? 0) - 1;
  return delta;
}

function addDelta(into: CounterDelta, more: CounterDelta): void {
  for (const [status, n] of Object.entries(more) as Array<[C, number]>) into[status] = (into[status] ?? 0) + n;
}
