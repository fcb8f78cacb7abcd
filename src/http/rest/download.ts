import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Response } from "express";
import { encodeRecords, EXPORT_MEDIA_TYPES, type ExportFormat } from "../../shared/export-format";
import type { Logger } from "../../shared/logger";
import type { Download } from "./route";

// The one place the REST gateway streams instead of answering JSON. The body is piped to the socket (stream
// pipeline: a piece is pulled only when the socket has drained the last ones, so memory stays flat whatever the
// size), and a client that goes away destroys the pipeline, which abandons the body's iterator: its query loop stops.

/** Records as a file to download: `<name>.csv` or `<name>.ndjson`. */
export function recordsDownload(
  format: ExportFormat,
  name: string,
  columns: readonly string[],
  chunks: AsyncIterable<ReadonlyArray<Record<string, unknown>>>,
): Download {
  return { contentType: EXPORT_MEDIA_TYPES[format], filename: `${name}.${format}`, body: encodeRecords(format, columns, chunks) };
}

/**
 * Streams a download. The first piece is read before the status line goes out, so a failure there (the database
 * away) still answers a JSON error; a failure later can only cut the connection short, which a client sees as a
 * truncated transfer (no final chunk), never as a complete file.
 */
export async function sendDownload(res: Response, d: Download, logger: Logger): Promise<void> {
  const pieces = d.body[Symbol.asyncIterator]();
  const headers = { "Content-Type": d.contentType, "Content-Disposition": `attachment; filename="${d.filename}"`, "Cache-Control": "no-store" };
  // HEAD (which Express routes to GET handlers) gets the headers without a single row being read.
  if (res.req.method === "HEAD") {
    await pieces.return?.();
    res.status(200).set(headers).end();
    return;
  }
  const first = await pieces.next();
  res.status(200).set(headers);
  async function* rest(): AsyncGenerator<string> {
    try {
      if (!first.done) yield first.value;
      for (let next = await pieces.next(); !next.done; next = await pieces.next()) yield next.value;
    } finally {
      await pieces.return?.();
    }
  }
  try {
    await pipeline(Readable.from(rest()), res);
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_STREAM_PREMATURE_CLOSE") return; // the client went away
    logger.error({ err }, `download ${d.filename} failed after its first byte`);
    res.destroy();
  }
}
