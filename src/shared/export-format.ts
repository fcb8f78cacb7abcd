import { stringify } from "csv-stringify/sync";
import { z } from "zod";

// The file formats of exports: CSV (a header row, then one row per record; RFC 4180 quoting, CRLF line ends, UTF-8)
// and NDJSON (one JSON object per line). Records come in chunks and leave as one string per chunk, so a million
// rows never sit in memory at once and the socket gets few, large writes.

export const EXPORT_FORMATS = ["csv", "ndjson"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const exportFormatSchema = z
  .enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(", ")}` })
  .default("csv")
  .describe("csv (default: a header row naming the columns, then one row per record; RFC 4180 quoting, UTF-8) or ndjson (one JSON object per line)");

/** The Content-Type each format is served with. */
export const EXPORT_MEDIA_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson",
};

// RFC 4180 by csv-stringify: CRLF line ends, fields quoted when they hold a comma, a quote or a line break, quotes
// doubled; null is an empty field, an object its JSON, a boolean true/false (not csv-stringify's default 1/"").
const CSV_OPTIONS = {
  record_delimiter: "windows",
  cast: { boolean: (v: boolean) => String(v), object: (v: object) => JSON.stringify(v), date: (v: Date) => v.toISOString() },
} as const;

export function csvRecord(values: readonly unknown[]): string {
  return stringify([values as unknown[]], CSV_OPTIONS);
}

/**
 * The file's text, chunk by chunk: for CSV the header row comes first (so an empty export is just the header). Each
 * record is an object whose keys are `columns`, as the API writes it (ISO dates, null).
 */
export async function* encodeRecords(
  format: ExportFormat,
  columns: readonly string[],
  chunks: AsyncIterable<ReadonlyArray<Record<string, unknown>>>,
): AsyncGenerator<string> {
  if (format === "csv") {
    yield csvRecord(columns);
    for await (const chunk of chunks) yield stringify(chunk.map((record) => columns.map((c) => record[c])), CSV_OPTIONS);
  } else {
    for await (const chunk of chunks) yield chunk.map((record) => `${JSON.stringify(record)}\n`).join("");
  }
}
