import { ExecutionContactStatus as C, ExecutionStatus as S } from "./execution.entity";

// The one transition table for executions (scheduled → running → completed, running ⇄ paused, cancel, stop). Every status change is a compare-and-set
// whose allowed sources come from here.
export const EXECUTION_TRANSITIONS = {
  start: { from: [S.SCHEDULED], to: S.RUNNING },
  pause: { from: [S.RUNNING], to: S.PAUSED },
  resume: { from: [S.PAUSED], to: S.RUNNING },
  cancel: { from: [S.SCHEDULED, S.RUNNING, S.PAUSED], to: S.CANCELLED },
  stop: { from: [S.RUNNING, S.PAUSED], to: S.STOPPED },
  complete: { from: [S.RUNNING], to: S.COMPLETED },
} as const satisfies Record<string, { from: readonly S[]; to: S }>;

export type ExecutionAction = keyof typeof EXECUTION_TRANSITIONS;

export const TERMINAL_STATUSES: readonly S[] = [S.COMPLETED, S.STOPPED, S.CANCELLED];
/** Statuses the seed calls active (the organization-wide list). */
export const ACTIVE_STATUSES: readonly S[] = [S.SCHEDULED, S.RUNNING, S.PAUSED];

export function canTransition(action: ExecutionAction, from: S): boolean {
  return (EXECUTION_TRANSITIONS[action].from as readonly S[]).includes(from);
}

// The transition table for one contact of the snapshot.
export const CONTACT_TRANSITIONS = {
  claim: { from: [C.PENDING], to: C.IN_PROGRESS },
  retry: { from: [C.IN_PROGRESS], to: C.PENDING },
  /** A claim given back without an attempt (the carrier was busy, or the call could not be placed). */
  release: { from: [C.IN_PROGRESS], to: C.PENDING },
  complete: { from: [C.IN_PROGRESS], to: C.COMPLETED },
  fail: { from: [C.IN_PROGRESS], to: C.FAILED },
  skip: { from: [C.PENDING, C.IN_PROGRESS], to: C.SKIPPED },
  /** A person's answer that arrived after the attempt was closed another way: the contact was reached after all. */
  correct: { from: [C.PENDING, C.IN_PROGRESS, C.FAILED, C.SKIPPED], to: C.COMPLETED },
} as const satisfies Record<string, { from: readonly C[]; to: C }>;

export type ContactAction = keyof typeof CONTACT_TRANSITIONS;

/** The counter column that holds contacts of a status. */
export const COUNTER_COLUMN: Record<C, string> = {
  [C.PENDING]: "contacts_pending",
  [C.IN_PROGRESS]: "contacts_in_progress",
  [C.COMPLETED]: "contacts_completed",
  [C.FAILED]: "contacts_failed",
  [C.SKIPPED]: "contacts_skipped",
};

export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(", ");
}

/** What an execution is doing, finer than its status: why a paused one is paused, and a running one inside a pause window. */
export type EffectiveStatus = "scheduled" | "running" | "paused_manual" | "paused_window" | "paused_threshold" | "paused_provider" | "completed" | "stopped" | "cancelled";

export function effectiveStatusOf(e: { status: S; pauseReason: string | null }, inPauseWindow = false): EffectiveStatus {
  if (e.status === S.PAUSED) return `paused_${(e.pauseReason ?? "manual") as "manual" | "threshold" | "provider"}`;
  if (e.status === S.RUNNING && inPauseWindow) return "paused_window";
  return e.status;
}
