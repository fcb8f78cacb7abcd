// What happens to a contact after one call attempt, by its program's retry strategy. Pure: time comes in as
// `now`, so the dispatcher and the tests decide the clock.

import type { RetryStrategy } from "../program/retry-strategy.types";
import type { CallOutcome } from "../telephony/call-outcome";

export type RetryDecision = { kind: "completed" } | { kind: "failed" } | { kind: "retry"; nextAttemptAt: Date };

/** Whether this outcome is one the strategy retries (regardless of how many attempts are left). */
export function isRetriedOutcome(strategy: RetryStrategy, outcome: CallOutcome): boolean {
  if (strategy.type === "none") return false;
  switch (outcome) {
    case "completed":
      return false; // a person answered: never retried, whatever the flow did
    case "voicemail":
      return strategy.retryOnVoicemail !== false;
    case "noAnswer":
    case "busy":
    case "rejected":
    case "failed":
      return true;
  }
}

/** Number of retries the strategy allows after the first attempt. */
export function maxRetriesOf(strategy: RetryStrategy): number {
  switch (strategy.type) {
    case "none":
      return 0;
    case "fixed_delay":
      return strategy.maxRetries;
    case "scheduled":
      return strategy.retryDates.length;
  }
}

/**
 * Decides the contact's fate after attempt `attemptNumber` (1-based) ended at `now` with `outcome`.
 * Retry k (the one after attempt k) is due `delayMinutes` after `now` (fixed_delay) or at `retryDates[k-1]`,
 * or at once when that date has passed (scheduled).
 */
export function decideAfterAttempt(
  strategy: RetryStrategy,
  attemptNumber: number,
  outcome: CallOutcome,
  now: Date,
): RetryDecision {
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1)
    throw new RangeError(`attemptNumber must be an integer >= 1 (got ${attemptNumber})`);
  if (outcome === "completed") return { kind: "completed" };
  if (!isRetriedOutcome(strategy, outcome)) {
    // Voicemail under a strategy that does not retry it is a reached contact; everything else is a failure.
    return outcome === "voicemail" ? { kind: "completed" } : { kind: "failed" };
  }
  if (attemptNumber > maxRetriesOf(strategy)) return { kind: "failed" };

  switch (strategy.type) {
    case "none":
      return { kind: "failed" }; // unreachable: `none` retries nothing
    case "fixed_delay":
      return { kind: "retry", nextAttemptAt: new Date(now.getTime() + strategy.delayMinutes * 60_000) };
    case "scheduled": {
      const due = Date.parse(strategy.retryDates[attemptNumber - 1]);
      // An unreadable stored date must not lose the contact: retry at once.
      const at = Number.isNaN(due) || due < now.getTime() ? now.getTime() : due;
      return { kind: "retry", nextAttemptAt: new Date(at) };
    }
  }
}
