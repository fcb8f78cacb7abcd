// Outcomes of one call attempt, as a CallAttempt records them.

export const CALL_OUTCOMES = ["completed", "voicemail", "noAnswer", "busy", "rejected", "failed"] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export const FLOW_OUTCOMES = ["completed", "error", "hungUp"] as const;
export type FlowOutcome = (typeof FLOW_OUTCOMES)[number];

export const FAILURE_REASONS = ["lease_expired", "provider_error", "flow_step_limit"] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number] | string;
