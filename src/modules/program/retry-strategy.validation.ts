// Validation and normalisation of a program's retry strategy, done once at the edge so the dispatcher can trust what
// it reads back. The rules are the zod schema's (retry-strategy.schema.ts).

import { parseInput } from "../../shared/validation";
import { retryStrategyInput } from "./retry-strategy.schema";
import type { RetryStrategy } from "./retry-strategy.types";

export { parseIsoDateTime } from "./retry-strategy.schema";

/**
 * Validates and normalises a retry strategy: fields the type does not use are dropped, `retryOnVoicemail` defaults
 * to true, retry dates become `toISOString()` strings and must be after `now`. Throws one ValidationError naming
 * every problem, under `fieldPrefix`.
 */
export function parseRetryStrategy(input: unknown, now: Date, fieldPrefix = "retryStrategy"): RetryStrategy {
  return parseInput(retryStrategyInput(now), input, fieldPrefix);
}
