import type { SelectQueryBuilder } from "typeorm";
import type { Reader } from "../../db/db";
import { CallAttempt, ExecutionContact, ExecutionContactStatus } from "./execution.entity";

// The queries behind an execution's contact and call-attempt listings, shared by the paged listings and the
// streamed exports so both take the same filters and give the same rows in the same order. Exports page by keyset
// (the last row's sort key) instead of by offset, so each chunk is one index range however deep the file goes.

export interface ContactFilter {
  status?: ExecutionContactStatus;
}

export interface CallFilter {
  contactId?: string;
}

/** An execution's contacts under the filter, by contact id (the snapshot's primary key order). */
export function contactsQuery(r: Reader, executionId: string, filter: ContactFilter): SelectQueryBuilder<ExecutionContact> {
  const qb = r.manager.createQueryBuilder(ExecutionContact, "c").where("c.execution_id = :id", { id: executionId });
  if (filter.status) qb.andWhere("c.status = :status", { status: filter.status });
  return qb.orderBy("c.contact_id", "ASC");
}

/** An execution's call attempts under the filter, newest first (ties by attempt number, then id). */
export function callsQuery(r: Reader, executionId: string, filter: CallFilter): SelectQueryBuilder<CallAttempt> {
  const qb = r.manager.createQueryBuilder(CallAttempt, "a").where("a.execution_id = :id", { id: executionId });
  if (filter.contactId) qb.andWhere("a.contact_id = :contactId", { contactId: filter.contactId });
  return qb.orderBy("a.started_at", "DESC").addOrderBy("a.attempt_number", "DESC").addOrderBy("a.id", "DESC");
}

/** The contacts after `after` (the last contact id of the previous chunk) in the listing's order. */
export function contactsAfter(qb: SelectQueryBuilder<ExecutionContact>, after: ExecutionContact | null): SelectQueryBuilder<ExecutionContact> {
  return after ? qb.andWhere("c.contact_id > :afterId", { afterId: after.contactId }) : qb;
}

/** The attempts after `after` in the listing's order (started_at, attempt_number, id, all descending). */
export function callsAfter(qb: SelectQueryBuilder<CallAttempt>, after: CallAttempt | null): SelectQueryBuilder<CallAttempt> {
  if (!after) return qb;
  // Spelled out rather than as a row-value comparison, which MariaDB does not serve from an index; the leading
  // `started_at <= :s` is redundant but sargable, so each chunk starts where the last one ended in the index
  // (execution_id, started_at, attempt_number, id) instead of at its top.
  return qb.andWhere(
    "a.started_at <= :s AND (a.started_at < :s OR (a.started_at = :s AND (a.attempt_number < :n OR (a.attempt_number = :n AND a.id < :aid))))",
    { s: after.startedAt.getTime(), n: after.attemptNumber, aid: after.id },
  );
}
