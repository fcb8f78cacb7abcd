// Validation and normalisation of a program's retry strategy (CONTRACT.md §3), done once at the edge so the
// dispatcher can trust what it reads back (retry policy as plain, pre-validated data).

import { type FieldProblem, ValidationError } from "../../shared/errors";
import { RETRY_STRATEGY_TYPES, type RetryStrategy } from "./retry-strategy.types";

export const MAX_RETRIES_LIMIT = 100;
export const MAX_RETRY_DATES = 100;
/** One year. Not in the contract: it keeps `now + delay` a representable date and catches unit mix-ups. */
export const MAX_DELAY_MINUTES = 525_600;

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// GraphQL sends null for the fields a type does not use, so null counts as absent everywhere here.
function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

function parseRetryOnVoicemail(obj: Record<string, unknown>, prefix: string, problems: FieldProblem[]): boolean {
  const v = obj.retryOnVoicemail;
  if (absent(v)) return true;
  if (typeof v !== "boolean") {
    problems.push({ field: `${prefix}.retryOnVoicemail`, message: "must be a boolean" });
    return true;
  }
  return v;
}

/**
 * Validates and normalises a retry strategy: fields the type does not use are dropped, `retryOnVoicemail`
 * defaults to true, retry dates become `toISOString()` strings. Throws one ValidationError naming every problem.
 * `now` is only used to require scheduled retry dates to be in the future.
 */
export function parseRetryStrategy(input: unknown, now: Date, fieldPrefix = "retryStrategy"): RetryStrategy {
  const problems: FieldProblem[] = [];
  if (!isObject(input)) {
    throw new ValidationError([
      { field: fieldPrefix, message: `must be an object with a type (one of ${RETRY_STRATEGY_TYPES.join(", ")})` },
    ]);
  }

  const type = input.type;
  if (type === "none") return { type: "none" };

  if (type === "fixed_delay") {
    const delay = input.delayMinutes;
    if (absent(delay)) {
      problems.push({ field: `${fieldPrefix}.delayMinutes`, message: "is required (minutes, greater than 0)" });
    } else if (typeof delay !== "number" || !Number.isFinite(delay) || delay <= 0) {
      problems.push({ field: `${fieldPrefix}.delayMinutes`, message: "must be a number greater than 0" });
    } else if (delay > MAX_DELAY_MINUTES) {
      problems.push({
        field: `${fieldPrefix}.delayMinutes`,
        message: `must be at most ${MAX_DELAY_MINUTES} (one year)`,
      });
    }

    const max = input.maxRetries;
    if (absent(max)) {
      problems.push({ field: `${fieldPrefix}.maxRetries`, message: "is required (an integer from 0 to 100)" });
    } else if (typeof max !== "number" || !Number.isInteger(max)) {
      problems.push({ field: `${fieldPrefix}.maxRetries`, message: "must be an integer" });
    } else if (max < 0) {
      problems.push({ field: `${fieldPrefix}.maxRetries`, message: "must be at least 0" });
    } else if (max > MAX_RETRIES_LIMIT) {
      problems.push({ field: `${fieldPrefix}.maxRetries`, message: `must be at most ${MAX_RETRIES_LIMIT}` });
    }

    const retryOnVoicemail = parseRetryOnVoicemail(input, fieldPrefix, problems);
    if (problems.length > 0) throw new ValidationError(problems);
    return {
      type: "fixed_delay",
      delayMinutes: delay as number,
      maxRetries: max as number,
      retryOnVoicemail,
    };
  }

  if (type === "scheduled") {
    const dates = input.retryDates;
    const normalised: string[] = [];
    const field = `${fieldPrefix}.retryDates`;
    if (!Array.isArray(dates) || dates.length === 0) {
      problems.push({ field, message: "must be a non-empty array of ISO-8601 date-times" });
    } else if (dates.length > MAX_RETRY_DATES) {
      problems.push({ field, message: `must have at most ${MAX_RETRY_DATES} dates (got ${dates.length})` });
    } else {
      // Compare each date with the nearest earlier valid one, so one bad entry does not hide ordering problems.
      let previous: { index: number; at: Date } | null = null;
      dates.forEach((raw: unknown, i) => {
        const at = parseIsoDateTime(raw);
        if (!at) {
          problems.push({
            field: `${field}[${i}]`,
            message: "must be an ISO-8601 date-time with a time zone, e.g. 2030-01-20T14:00:00Z",
          });
          return;
        }
        if (at.getTime() <= now.getTime())
          problems.push({
            field: `${field}[${i}]`,
            message: `must be in the future (${at.toISOString()} is not after ${now.toISOString()})`,
          });
        if (previous && at.getTime() <= previous.at.getTime())
          problems.push({ field: `${field}[${i}]`, message: `must be later than retryDates[${previous.index}]` });
        previous = { index: i, at };
        normalised.push(at.toISOString());
      });
    }
    const retryOnVoicemail = parseRetryOnVoicemail(input, fieldPrefix, problems);
    if (problems.length > 0) throw new ValidationError(problems);
    return { type: "scheduled", retryDates: normalised, retryOnVoicemail };
  }

  const got = absent(type) ? "" : ` (got ${JSON.stringify(type)})`;
  throw new ValidationError([
    { field: `${fieldPrefix}.type`, message: `must be one of ${RETRY_STRATEGY_TYPES.join(", ")}${got}` },
  ]);
}
