import { ClientExecutionsDocument, ClientProgramNamesDocument } from "../client/generated/graphql";
import { ApiError, graphqlRequest } from "../client/http";
import { percentDone, Snapshot } from "../client/progress";
import { ApiTarget, badKeyMessage, TerminalError } from "./options";

/** Plain text table: columns padded to their widest cell, numbers right-aligned. */
export function table(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function executionsTable(executions: Snapshot[], programNames: Map<string, string>): string {
  if (executions.length === 0) return "no active executions (scheduled, running or paused)";
  const header = ["EXECUTION", "PROGRAM", "STATUS", "DONE", "COMPLETED", "FAILED", "SKIPPED", "IN PROGRESS", "PENDING", "TOTAL", "STARTED"];
  const right = [false, false, false, true, true, true, true, true, true, true, false];
  const rows = executions.map((e) => [
    e.id,
    programNames.get(e.programId) ?? e.programId,
    e.effectiveStatus ?? e.status,
    `${percentDone(e).toFixed(1)}%`,
    String(e.contactsCompleted),
    String(e.contactsFailed),
    String(e.contactsSkipped),
    String(e.contactsInProgress),
    String(e.contactsPending),
    String(e.totalContacts),
    e.actualStartAt ?? `(scheduled ${e.scheduledStartAt})`,
  ]);
  return table(header, rows, right);
}

/** The organization's active executions (up to 100, newest first) as a table. */
export async function activeExecutionsTable(target: ApiTarget): Promise<string> {
  try {
    const [executions, programs] = await Promise.all([
      graphqlRequest(target.url, target.key, ClientExecutionsDocument, { activeOnly: true, limit: 100 }),
      graphqlRequest(target.url, target.key, ClientProgramNamesDocument, { limit: 100 }),
    ]);
    const names = new Map(programs.programs.data.map((p) => [p.id, p.name]));
    const { data, meta } = executions.programExecutions;
    const more = meta.total > data.length ? `\n(${meta.total - data.length} more not shown)` : "";
    return executionsTable(data, names) + more;
  } catch (err) {
    if (err instanceof ApiError && err.code === "UNAUTHENTICATED") throw new TerminalError(badKeyMessage(`HTTP ${err.httpStatus} UNAUTHENTICATED`));
    if (err instanceof ApiError) throw new TerminalError(`${err.message} (${err.code})`);
    throw err;
  }
}
