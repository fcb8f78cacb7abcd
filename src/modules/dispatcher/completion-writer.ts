import type { Db } from "../../db/db";
import { isConnectionError } from "../../db/db";
import type { ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import * as metrics from "../../shared/metrics";
import { backoff, retry } from "../../shared/retry";
import { completeAttempts, CompletionReport, FinishedAttempt } from "./completion";

interface Pending {
  item: FinishedAttempt;
  /** Called once the result is written (true) or given up (false). */
  done?: (written: boolean) => void;
}

/** Tries of a batch that fails for a reason other than the database being unreachable, before it is split. */
const TRIES = 5;

/**
 * Writes finished attempts in batches: whatever finished meanwhile joins the next batch, so batches grow with the
 * call rate. A result is never given up because the database cannot be reached: it is held (in order) and
 * written as soon as the database answers; `stalled` says so meanwhile, and a dispatcher claims nothing new then,
 * which bounds what is held. A batch that fails for another reason is retried, then split, so one bad result
 * cannot hold back the others; a single result that still fails is logged and left to its lease.
 */
export class CompletionWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private stalledSince: number | null = null;
  private readonly giveUp = new AbortController();

  constructor(
    private readonly o: {
      db: Db;
      clock: Clock;
      events: ExecutionEventPublisher;
      logger: Logger;
      batch?: number;
      /** After each written batch (e.g. to claim again). */
      onWritten?: (report: CompletionReport) => void;
    },
  ) {}

  /** Results waiting to be written. */
  get backlog(): number {
    return this.queue.length;
  }

  /** Whether writes are failing because the database cannot be reached. */
  get stalled(): boolean {
    return this.stalledSince !== null;
  }

  push(item: FinishedAttempt, done?: (written: boolean) => void): void {
    this.queue.push({ item, done });
    this.flushSoon();
  }

  /** Resolves once everything pushed so far is written or given up. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Stops waiting for an unreachable database (process exit): what is still held is logged and given up. */
  abandon(): void {
    this.giveUp.abort();
  }

  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0) this.flushSoon();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the calls that end in this same turn of the event loop join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.o.batch ?? 500);
      await this.write(batch);
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    let tries = 0;
    try {
      const report = await retry(async () => {
        const started = performance.now();
        const written = await this.o.db.transaction((tx) => completeAttempts(tx, batch.map((p) => p.item), this.o.clock.now(), this.o.events));
        metrics.completionBatch(batch.length, (performance.now() - started) / 1000);
        return written;
      }, {
        attempts: Infinity,
        retryIf: (err) => {
          if (isConnectionError(err)) return true;
          tries += 1;
          return tries < TRIES;
        },
        delayMs: backoff(50, 2000),
        signal: this.giveUp.signal,
        onRetry: (err) => {
          if (isConnectionError(err)) {
            if (this.stalledSince === null) this.o.logger.warn({ err, held: batch.length + this.queue.length }, "database unreachable: holding finished calls until it answers");
            this.stalledSince ??= Date.now();
          } else this.o.logger.error({ err, calls: batch.length }, "recording finished calls failed; trying again");
        },
      });
      if (this.stalledSince !== null) {
        this.o.logger.info({ heldMs: Date.now() - this.stalledSince }, "database answers again: held results written");
        this.stalledSince = null;
      }
      for (const p of batch) p.done?.(true);
      this.o.onWritten?.(report);
    } catch (err) {
      if (batch.length > 1) {
        // Split to find the result that fails; the others are written.
        const half = Math.ceil(batch.length / 2);
        await this.write(batch.slice(0, half));
        await this.write(batch.slice(half));
        return;
      }
      this.o.logger.error({ err, attemptId: batch[0].item.attemptId }, "could not record a finished call; its lease will run out and close it");
      batch[0].done?.(false);
    }
  }
}
