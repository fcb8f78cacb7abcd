import { expect } from "vitest";
import type { Db } from "../../src/db/db";

export interface Counters {
  totalContacts: number;
  contactsCompleted: number;
  contactsFailed: number;
  contactsPending: number;
  contactsInProgress: number;
  contactsSkipped: number;
}

const STATUS_TO_COUNTER: Record<string, keyof Counters> = {
  pending: "contactsPending",
  inProgress: "contactsInProgress",
  completed: "contactsCompleted",
  failed: "contactsFailed",
  skipped: "contactsSkipped",
};

/** Recounts an execution's snapshot with GROUP BY: the truth the counters on the row must equal. */
export async function recount(db: Db, executionId: string): Promise<Counters> {
  const rows = await db.read((r) =>
    r.query<{ status: string; n: number | string }>("SELECT status, COUNT(*) AS n FROM execution_contacts WHERE execution_id = ? GROUP BY status", [executionId]),
  );
  const c: Counters = { totalContacts: 0, contactsCompleted: 0, contactsFailed: 0, contactsPending: 0, contactsInProgress: 0, contactsSkipped: 0 };
  for (const row of rows) {
    const key = STATUS_TO_COUNTER[row.status];
    if (!key) throw new Error(`unknown contact status ${row.status}`);
    c[key] += Number(row.n);
    c.totalContacts += Number(row.n);
  }
  return c;
}

export function countersOf(e: Counters): Counters {
  return {
    totalContacts: e.totalContacts,
    contactsCompleted: e.contactsCompleted,
    contactsFailed: e.contactsFailed,
    contactsPending: e.contactsPending,
    contactsInProgress: e.contactsInProgress,
    contactsSkipped: e.contactsSkipped,
  };
}

/** The contract's invariant on any snapshot (response or event). */
export function expectSumInvariant(e: Counters): void {
  expect(e.totalContacts).toBe(e.contactsCompleted + e.contactsFailed + e.contactsPending + e.contactsInProgress + e.contactsSkipped);
}

/** The row's counters equal the GROUP BY recount, and the sum invariant holds. */
export async function expectCountersTrue(db: Db, executionId: string): Promise<Counters> {
  const row = await db.read((r) =>
    r.query<Record<string, number | string>>(
      `SELECT total_contacts, contacts_completed, contacts_failed, contacts_pending, contacts_in_progress, contacts_skipped
       FROM program_executions WHERE id = ?`,
      [executionId],
    ),
  );
  if (!row[0]) throw new Error(`execution ${executionId} not found`);
  const r = row[0];
  const stored: Counters = {
    totalContacts: Number(r.total_contacts),
    contactsCompleted: Number(r.contacts_completed),
    contactsFailed: Number(r.contacts_failed),
    contactsPending: Number(r.contacts_pending),
    contactsInProgress: Number(r.contacts_in_progress),
    contactsSkipped: Number(r.contacts_skipped),
  };
  expect(stored).toEqual(await recount(db, executionId));
  expectSumInvariant(stored);
  return stored;
}
