import { setImmediate as turn } from "node:timers/promises";
import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import type { z } from "zod";
import type { Db, Reader } from "../../db/db";
import { getManyPlain } from "../../db/raw-rows";
import type { ExportFormat } from "../../shared/export-format";
import { exportRowsRead } from "../../shared/metrics";
import { parseInput } from "../../shared/validation";
import { CALL_ORDER_INDEX, type CallAttempt, type ExecutionContact } from "./execution.entity";
import { callsAfter, callsQuery, contactsAfter, contactsQuery } from "./execution.queries";
import { callAttemptExportSchema, callAttemptsExportQuery, executionContactExportSchema, executionContactsExportQuery } from "./execution.schema";
import type { ExecutionService } from "./execution.service";

// Exports of an execution's contacts and call attempts: the listings' queries read in keyset chunks, each chunk its
// own short read (no transaction or connection held while the client takes its time), each record written through
// the export schema (the listing's fields, in the export's column order). The caller pulls chunk by chunk; when it
// stops pulling (the client went away) no further chunk is read.

/** Rows per chunk: one query each. */
export const EXPORT_CHUNK_ROWS = 1000;

export type ExportKind = "contacts" | "calls";

/** A validated export, its records still to read. */
export interface ExecutionExport {
  kind: ExportKind;
  format: ExportFormat;
  /** The record's fields, in column order. */
  columns: string[];
  /** Records as the API writes them, a chunk at a time, in the listing's order. */
  chunks: AsyncIterable<Array<Record<string, unknown>>>;
}

export class ExecutionExports {
  /** Rows per chunk (lowered by tests to cross chunk boundaries with a few rows). */
  chunkSize = EXPORT_CHUNK_ROWS;

  constructor(
    private readonly db: Db,
    private readonly executions: ExecutionService,
  ) {}

  /** The execution's contacts under the contacts listing's filters. Bad input and an unknown execution throw here. */
  async contacts(organizationId: string, executionId: string, query: object): Promise<ExecutionExport> {
    const { format, ...filter } = parseInput(executionContactsExportQuery, absentAsUndefined(query));
    await this.executions.mustGet(organizationId, executionId);
    const rows = this.keyset<ExecutionContact>(
      "contacts",
      (r) => contactsQuery(r, executionId, filter),
      contactsAfter,
      executionContactExportSchema,
    );
    return { kind: "contacts", format, columns: Object.keys(executionContactExportSchema.shape), chunks: rows };
  }

  /** The execution's call attempts under the attempts listing's filters. */
  async calls(organizationId: string, executionId: string, query: object): Promise<ExecutionExport> {
    const { format, ...filter } = parseInput(callAttemptsExportQuery, absentAsUndefined(query));
    await this.executions.mustGet(organizationId, executionId);
    // One contact's few attempts come from its own index; all of them, in the order's index.
    const index = filter.contactId ? undefined : CALL_ORDER_INDEX;
    const rows = this.keyset<CallAttempt>("calls", (r) => callsQuery(r, executionId, filter), callsAfter, callAttemptExportSchema, index);
    return { kind: "calls", format, columns: Object.keys(callAttemptExportSchema.shape), chunks: rows };
  }

  private async *keyset<T extends ObjectLiteral>(
    kind: ExportKind,
    query: (r: Reader) => SelectQueryBuilder<T>,
    after: (qb: SelectQueryBuilder<T>, last: T | null) => SelectQueryBuilder<T>,
    record: z.ZodType,
    /** The index whose order the chunks walk, when the planner must be told. */
    index?: string,
  ): AsyncGenerator<Array<Record<string, unknown>>> {
    const size = this.chunkSize;
    let last: T | null = null;
    for (;;) {
      // A turn of the event loop per chunk: with SQLite (synchronous) and a socket that never pushes back, the loop
      // would otherwise hold the process until the whole file is read, starving every other request.
      if (last) await turn();
      const rows: T[] = await this.db.read((r) => getManyPlain(r, after(query(r), last).limit(size), { forceIndex: index }));
      exportRowsRead(kind, rows.length);
      if (rows.length > 0) yield rows.map((row) => record.parse(row) as Record<string, unknown>);
      if (rows.length < size) return;
      last = rows[rows.length - 1];
    }
  }
}

/** Query-string "" means absent, as in the listings. */
function absentAsUndefined(input: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, v === null || v === "" ? undefined : v]));
}
