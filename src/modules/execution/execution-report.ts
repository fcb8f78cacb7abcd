import type { z } from "zod";
import type { Reader } from "../../db/db";
import { ExecutionContactStatus as C } from "./execution.entity";
import { COUNTER_COLUMN } from "./execution-lifecycle";
import type { executionReportSchema } from "./execution-results.schema";

export type ExecutionReport = z.input<typeof executionReportSchema>;

// The report is aggregate SQL over the execution's rows: its counters, GROUP BY over the attempts, the path
// elements expanded by the database's own JSON functions, and the percentiles as one-row ORDER BY … OFFSET reads.
// Nothing proportional to the execution's size passes through Node.

/** Nearest rank: the smallest value with at least p % of the values at or below it (rank ⌈p/100 × n⌉). */
export function nearestRank(p: number, n: number): number {
  return Math.max(1, Math.ceil((p / 100) * n));
}

export async function computeReport(r: Reader, executionId: string): Promise<ExecutionReport> {
  // Contacts by status are the execution row's counters: kept equal to the snapshot in every transaction that moves
  // a contact, so they need no scan of a million rows.
  const [row] = await r.query<Record<string, unknown>>(
    `SELECT total_contacts, ${Object.values(COUNTER_COLUMN).join(", ")} FROM program_executions WHERE id = ?`,
    [executionId],
  );
  const counter = (status: C) => Number(row?.[COUNTER_COLUMN[status]] ?? 0);
  // One pass over the (execution_id, outcome, duration_ms) index: attempts by outcome, and the answered ones timed.
  const outcomeRows = await r.query<{ k: string | null; n: number | string; timed: number | string }>(
    "SELECT outcome AS k, COUNT(*) AS n, COUNT(duration_ms) AS timed FROM call_attempts WHERE execution_id = ? GROUP BY outcome",
    [executionId],
  );
  const byOutcome = new Map(outcomeRows.map((row) => [row.k ?? null, Number(row.n)]));
  const timed = Number(outcomeRows.find((row) => row.k === "completed")?.timed ?? 0);

  const contacts = {
    total: Number(row?.total_contacts ?? 0),
    completed: counter(C.COMPLETED),
    failed: counter(C.FAILED),
    pending: counter(C.PENDING),
    inProgress: counter(C.IN_PROGRESS),
    skipped: counter(C.SKIPPED),
  };
  const answered = byOutcome.get("completed") ?? 0;
  const voicemail = byOutcome.get("voicemail") ?? 0;
  const calls = {
    totalCalls: [...byOutcome.values()].reduce((a, b) => a + b, 0),
    connected: answered + voicemail,
    answered,
    voicemail,
    noAnswer: byOutcome.get("noAnswer") ?? 0,
    busy: byOutcome.get("busy") ?? 0,
    rejected: byOutcome.get("rejected") ?? 0,
    failed: byOutcome.get("failed") ?? 0,
  };

  const el = r.dialect.jsonArrayRows("a.path", "j");
  const nodeRows = await r.query<{ k: string; n: number | string }>(
    `SELECT ${el.value} AS k, COUNT(*) AS n FROM call_attempts a, ${el.from}
     WHERE a.execution_id = ? AND a.path IS NOT NULL AND ${el.value} IS NOT NULL GROUP BY ${el.value}`,
    [executionId],
  );
  const nodeRuns: Record<string, number> = {};
  for (const row of nodeRows.sort((x, y) => String(x.k).localeCompare(String(y.k)))) nodeRuns[String(row.k)] = Number(row.n);

  const durationAt = async (p: number): Promise<number | null> => {
    const n = timed;
    if (n === 0) return null;
    const rows = await r.query<{ d: number | string }>(
      `SELECT duration_ms AS d FROM call_attempts WHERE execution_id = ? AND outcome = 'completed' AND duration_ms IS NOT NULL
       ORDER BY duration_ms LIMIT 1 OFFSET ${nearestRank(p, n) - 1}`,
      [executionId],
    );
    return rows.length ? Number(rows[0].d) : null;
  };

  return {
    contacts,
    // One integer division, so an exact half (201 of 400: 50.25 %) rounds up as written, not down by float error.
    reachRate: contacts.total === 0 ? 0 : Math.round((contacts.completed * 1000) / contacts.total) / 10,
    calls,
    nodeRuns,
    durationMs: { p50: await durationAt(50), p95: await durationAt(95) },
  };
}
