import { z } from "zod";
import { inputJsonSchema } from "../../shared/validation";
import { RETRY_STRATEGY_TYPES, type RetryStrategy } from "./retry-strategy.types";

// A program's retry strategy (Gomobile's Program shape), described once: as stored and answered (retryStrategySchema)
// and as clients send it (retryStrategyInput), where null counts as absent because GraphQL sends null for the fields
// a type does not use.

export const MAX_RETRIES_LIMIT = 100;
export const MAX_RETRY_DATES = 100;
/** One year. Not in the contract: it keeps `now + delay` a representable date and catches unit mix-ups. */
export const MAX_DELAY_MINUTES = 525_600;

const TYPES = RETRY_STRATEGY_TYPES.join(", ");
const TYPE = `The kind of strategy: ${TYPES}`;
const DELAY = "Minutes from the end of a failed attempt to the next one; may be a fraction (0.05 = 3 s)";
const MAX_RETRIES = `Retries after the first attempt, 0 to ${MAX_RETRIES_LIMIT} (3 means up to 4 attempts)`;
const RETRY_DATES = `When each retry is due (retry k at the k-th date, at once if it has passed), increasing, up to ${MAX_RETRY_DATES}: the number of dates is the number of retries`;
const ON_VOICEMAIL = "Whether a voicemail outcome is retried like noAnswer, busy, rejected and failed (default true)";
const STRATEGY = "How failed attempts are retried; a call answered by a person is never retried";

export const retryStrategySchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("none").describe(TYPE) }).describe("No retry"),
    z
      .object({
        type: z.literal("fixed_delay").describe(TYPE),
        delayMinutes: z.number().positive().max(MAX_DELAY_MINUTES).describe(DELAY),
        maxRetries: z.number().int().min(0).max(MAX_RETRIES_LIMIT).describe(MAX_RETRIES),
        retryOnVoicemail: z.boolean().optional().describe(ON_VOICEMAIL),
      })
      .describe("Retry a fixed delay after each failed attempt"),
    z
      .object({
        type: z.literal("scheduled").describe(TYPE),
        retryDates: z.array(z.string().meta({ format: "date-time" })).min(1).max(MAX_RETRY_DATES).describe(RETRY_DATES),
        retryOnVoicemail: z.boolean().optional().describe(ON_VOICEMAIL),
      })
      .describe("Retry at given times"),
  ])
  .describe(STRATEGY);

// Date-time with an explicit zone: a zone-less string would be read in the server's local time.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)$/i;

/** Parses an ISO-8601 date-time string (or a valid Date, as a GraphQL DateTime scalar hands over); null if invalid. */
export function parseIsoDateTime(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : new Date(value.getTime());
  if (typeof value !== "string") return null;
  const m = ISO_DATE_TIME.exec(value.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.parse rolls 2025-02-30 over to March 2; reject impossible calendar days instead.
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? null : new Date(ms);
}

const retryOnVoicemail = z
  .boolean({ error: "must be a boolean" })
  .nullish()
  .transform((v) => v ?? true)
  .describe(ON_VOICEMAIL);

const fixedDelayInput = z
  .object({
    type: z.literal("fixed_delay").describe(TYPE),
    delayMinutes: z
      .number({ error: (iss) => (iss.input == null ? "is required (minutes, greater than 0)" : "must be a number greater than 0") })
      .positive("must be a number greater than 0")
      .max(MAX_DELAY_MINUTES, `must be at most ${MAX_DELAY_MINUTES} (one year)`)
      .describe(DELAY),
    maxRetries: z
      .number({ error: (iss) => (iss.input == null ? `is required (an integer from 0 to ${MAX_RETRIES_LIMIT})` : "must be an integer") })
      .int({ error: "must be an integer", abort: true })
      .min(0, "must be at least 0")
      .max(MAX_RETRIES_LIMIT, `must be at most ${MAX_RETRIES_LIMIT}`)
      .describe(MAX_RETRIES),
    retryOnVoicemail,
  })
  .describe("Retry a fixed delay after each failed attempt");

const NOT_DATES = "must be a non-empty array of ISO-8601 date-times";
const NOT_A_DATE = "must be an ISO-8601 date-time with a time zone, e.g. 2030-01-20T14:00:00Z";

/**
 * Retry dates as sent: each a zoned date-time, later than the one before it (compared with the nearest earlier
 * readable one, so one bad entry does not hide ordering problems), and after `now` when given. Normalised to
 * `toISOString()`.
 */
function retryDatesInput(now?: Date) {
  return z
    .array(z.unknown().meta(inputJsonSchema(z.string().meta({ format: "date-time" }))), { error: NOT_DATES })
    .min(1, { error: NOT_DATES, abort: true })
    .max(MAX_RETRY_DATES, { error: (iss) => `must have at most ${MAX_RETRY_DATES} dates (got ${(iss.input as unknown[]).length})`, abort: true })
    .superRefine((dates, ctx) => {
      let previous: { index: number; at: Date } | null = null;
      dates.forEach((raw, i) => {
        const at = parseIsoDateTime(raw);
        if (!at) {
          ctx.addIssue({ code: "custom", path: [i], message: NOT_A_DATE });
          return;
        }
        if (now && at.getTime() <= now.getTime())
          ctx.addIssue({ code: "custom", path: [i], message: `must be in the future (${at.toISOString()} is not after ${now.toISOString()})` });
        if (previous && at.getTime() <= previous.at.getTime())
          ctx.addIssue({ code: "custom", path: [i], message: `must be later than retryDates[${previous.index}]` });
        previous = { index: i, at };
      });
    })
    .transform((dates) => dates.map((d) => parseIsoDateTime(d)!.toISOString()))
    .describe(RETRY_DATES);
}

/**
 * A retry strategy as clients send it. Fields the type does not use are dropped, `retryOnVoicemail` defaults to true,
 * retry dates become `toISOString()` strings. With `now`, retry dates must be after it (the only rule that needs the
 * clock); without, the schema documents the shape.
 */
export function retryStrategyInput(now?: Date): z.ZodType<RetryStrategy, unknown> {
  return z
    .discriminatedUnion(
      "type",
      [
        z.object({ type: z.literal("none").describe(TYPE) }).describe("No retry"),
        fixedDelayInput,
        z.object({ type: z.literal("scheduled").describe(TYPE), retryDates: retryDatesInput(now), retryOnVoicemail }).describe("Retry at given times"),
      ],
      {
        error: (iss) =>
          iss.code === "invalid_union"
            ? `must be one of ${TYPES}${(iss.input as { type?: unknown }).type == null ? "" : ` (got ${JSON.stringify((iss.input as { type: unknown }).type)})`}`
            : `must be an object with a type (one of ${TYPES})`,
      },
    )
    .describe(STRATEGY);
}

/** The input shape, for the OpenAPI document and GraphQL descriptions. */
export const retryStrategyInputSchema = retryStrategyInput();

// The stored and answered shape is exactly the RetryStrategy type the dispatcher reads.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const storedShapeIsRetryStrategy: Equals<z.output<typeof retryStrategySchema>, RetryStrategy> = true;
void storedShapeIsRetryStrategy;
