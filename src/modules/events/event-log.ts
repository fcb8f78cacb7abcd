import { randomUUID } from "node:crypto";
import { toInt } from "../../db/columns";
import type { Tx } from "../../db/db";

// The execution's event log (an outbox): every change of an execution appends what happened in the same transaction
// as the change, so the log is complete and ordered exactly as the changes committed. Subscriptions, webhooks and
// reports read it; the final counters of a finished execution can be rebuilt from it alone.

export const EVENT_TYPES = ["execution.launched", "execution.status_changed", "attempt.finished", "contact.finalized", "execution.finished"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  type: EventType;
  data: Record<string, unknown>;
}

/**
 * Appends events of one execution, numbered after its last position, stamped with its current `sequence`. The caller
 * holds the execution row (every writer locks it first), so positions never collide or leave a gap.
 */
export async function appendEvents(tx: Tx, executionId: string, events: NewEvent[], now: Date): Promise<void> {
  if (events.length === 0) return;
  await tx.execute("UPDATE program_executions SET event_position = event_position + ? WHERE id = ?", [events.length, executionId]);
  const [row] = await tx.query<Record<string, unknown>>("SELECT organization_id, event_position, sequence_no FROM program_executions WHERE id = ?", [executionId]);
  const last = toInt(row.event_position);
  const first = last - events.length + 1;
  await tx.execute(
    `INSERT INTO execution_events (id, execution_id, organization_id, position, sequence, type, occurred_at, data) VALUES ${events.map(() => "(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
    events.flatMap((e, i) => [randomUUID(), executionId, row.organization_id, first + i, toInt(row.sequence_no), e.type, now.getTime(), JSON.stringify(e.data)]),
  );
}
