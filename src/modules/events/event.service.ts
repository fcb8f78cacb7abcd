import { toDate, toInt } from "../../db/columns";
import type { Db, Reader } from "../../db/db";
import { NotFoundError } from "../../shared/errors";
import { isUuid, parseInput } from "../../shared/validation";
import type { EventType } from "./event-log";
import { eventsQuerySchema } from "./event.schema";

/** One entry of an execution's event log, as the API answers it. */
// A type, not an interface: it must fit the response schema's plain-object shape.
export type ExecutionEventView = {
  id: string;
  executionId: string;
  position: number;
  sequence: number;
  type: EventType;
  occurredAt: Date;
  data: Record<string, unknown>;
};

export interface EventPage {
  data: ExecutionEventView[];
  meta: { after: number; limit: number; hasMore: boolean };
}

/**
 * Up to `limit` events of an execution after `after`, in position order: one range of the (execution_id, position)
 * unique index, so a page costs the same at position 10 as at 10,000,000.
 */
export async function readEventsAfter(r: Reader, executionId: string, after: number, limit: number): Promise<ExecutionEventView[]> {
  const rows = await r.query<Record<string, unknown>>(
    `SELECT id, execution_id, position, sequence, type, occurred_at, data FROM execution_events
     WHERE execution_id = ? AND position > ? ORDER BY position LIMIT ${Math.floor(limit)}`,
    [executionId, after],
  );
  return rows.map((row) => ({
    id: String(row.id),
    executionId: String(row.execution_id),
    position: toInt(row.position),
    sequence: toInt(row.sequence),
    type: String(row.type) as EventType,
    occurredAt: toDate(row.occurred_at)!,
    data: JSON.parse(String(row.data)) as Record<string, unknown>,
  }));
}

/** Reads of the event log (the subscription's replay and live part are in the live feeds). */
export class EventService {
  constructor(private readonly db: Db) {}

  /** A page of the log after `after` (keyset by position): `hasMore` says whether more events exist already. */
  async list(organizationId: string, executionId: string, query: { after?: unknown; limit?: unknown }): Promise<EventPage> {
    const clean = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v === null || v === "" ? undefined : v]));
    const { after, limit } = parseInput(eventsQuerySchema, clean);
    return this.db.read(async (r) => {
      await mustOwnExecution(r, organizationId, executionId);
      const rows = await readEventsAfter(r, executionId, after, limit + 1);
      return { data: rows.slice(0, limit), meta: { after, limit, hasMore: rows.length > limit } };
    });
  }
}

/** The execution in the caller's organization, or EXECUTION_NOT_FOUND; answers where its log ends and whether it finished. */
export async function mustOwnExecution(r: Reader, organizationId: string, executionId: string): Promise<{ eventPosition: number; finished: boolean }> {
  const rows = isUuid(executionId)
    ? await r.query<Record<string, unknown>>("SELECT event_position, actual_end_at FROM program_executions WHERE id = ? AND organization_id = ?", [executionId, organizationId])
    : [];
  if (rows.length === 0) throw new NotFoundError("Execution", executionId);
  return { eventPosition: toInt(rows[0].event_position), finished: rows[0].actual_end_at != null };
}
