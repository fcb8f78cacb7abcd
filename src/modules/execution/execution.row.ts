import { toDate, toInt } from "../../db/columns";
import type { Reader } from "../../db/db";
import { ExecutionStatus, ProgramExecution } from "./execution.entity";

// One execution by primary key in plain SQL. Reading an execution is the API's hottest path (scripts and dashboards
// poll GET /api/program-executions/{id}); TypeORM's findOneBy spends about 0.5 ms of CPU building the query and
// hydrating the entity around a SELECT that costs a tenth of that. test/rest/execution-read.test.ts checks that this
// mapping equals TypeORM's, so a new column cannot be forgotten here.

const COLUMNS = [
  "id",
  "program_id",
  "organization_id",
  "audience_id",
  "flow_id",
  "flow_version",
  "status",
  "total_contacts",
  "contacts_completed",
  "contacts_failed",
  "contacts_pending",
  "contacts_in_progress",
  "contacts_skipped",
  "scheduled_start_at",
  "scheduled_stop_at",
  "actual_start_at",
  "actual_end_at",
  "created_at",
  "updated_at",
  "sequence_no",
  "retry_strategy",
  "max_concurrent_calls",
  "active_program_id",
  "idempotency_key",
  "pause_reason",
].join(", ");

/** One execution by id (within an organization when given); `forUpdate` locks the row for the transaction. */
export async function selectExecution(
  r: Reader,
  id: string,
  organizationId?: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ProgramExecution | null> {
  const lock = opts.forUpdate ? r.dialect.lock() : "";
  const rows = organizationId
    ? await r.query(`SELECT ${COLUMNS} FROM program_executions WHERE id = ? AND organization_id = ?${lock}`, [id, organizationId])
    : await r.query(`SELECT ${COLUMNS} FROM program_executions WHERE id = ?${lock}`, [id]);
  return rows.length ? executionFromRow(rows[0]) : null;
}

export function executionFromRow(row: Record<string, unknown>): ProgramExecution {
  return Object.assign(new ProgramExecution(), {
    id: row.id as string,
    programId: row.program_id as string,
    organizationId: row.organization_id as string,
    audienceId: row.audience_id as string,
    flowId: row.flow_id as string,
    flowVersion: toInt(row.flow_version),
    status: row.status as ExecutionStatus,
    totalContacts: toInt(row.total_contacts),
    contactsCompleted: toInt(row.contacts_completed),
    contactsFailed: toInt(row.contacts_failed),
    contactsPending: toInt(row.contacts_pending),
    contactsInProgress: toInt(row.contacts_in_progress),
    contactsSkipped: toInt(row.contacts_skipped),
    scheduledStartAt: toDate(row.scheduled_start_at)!,
    scheduledStopAt: toDate(row.scheduled_stop_at),
    actualStartAt: toDate(row.actual_start_at),
    actualEndAt: toDate(row.actual_end_at),
    createdAt: toDate(row.created_at)!,
    updatedAt: toDate(row.updated_at)!,
    sequence: toInt(row.sequence_no),
    retryStrategy: JSON.parse(row.retry_strategy as string),
    maxConcurrentCalls: toInt(row.max_concurrent_calls),
    activeProgramId: (row.active_program_id as string | null) ?? null,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    pauseReason: (row.pause_reason as ProgramExecution["pauseReason"]) ?? null,
  });
}
