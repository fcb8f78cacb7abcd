// Retry strategies (none, fixed_delay, scheduled: Gomobile's Program shape), stored as JSON on programs and executions.

export type RetryStrategy =
  | { type: "none" }
  | { type: "fixed_delay"; delayMinutes: number; maxRetries: number; retryOnVoicemail?: boolean }
  | { type: "scheduled"; retryDates: string[]; retryOnVoicemail?: boolean };

export const RETRY_STRATEGY_TYPES = ["none", "fixed_delay", "scheduled"] as const;
