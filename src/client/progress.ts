import type { LiveExecutionFragment } from "./generated/graphql";

export type Snapshot = LiveExecutionFragment;

export const COUNTERS = ["totalContacts", "contactsCompleted", "contactsFailed", "contactsPending", "contactsInProgress", "contactsSkipped"] as const;
export type CounterField = (typeof COUNTERS)[number];

/**
 * Whether `incoming` may replace `shown`: events can arrive out of order (a reconnect's first snapshot racing a
 * late event), and `sequence` orders them; an older one would put a stale number back on screen.
 */
export function isCurrent(shown: Snapshot | null | undefined, incoming: Snapshot): boolean {
  return !shown || incoming.sequence >= shown.sequence;
}

/** Contacts with a final outcome: completed, failed or skipped. */
export function doneCount(s: Snapshot): number {
  return s.contactsCompleted + s.contactsFailed + s.contactsSkipped;
}

export function percentDone(s: Snapshot): number {
  return s.totalContacts === 0 ? 100 : (100 * doneCount(s)) / s.totalContacts;
}

/** Finished: a terminal status with no call left in progress (`actualEndAt` set); counters no longer move. */
export function isFinished(s: Snapshot): boolean {
  return s.actualEndAt !== null;
}

/**
 * Contacts finished per second over a sliding window of samples (time in ms, done count), oldest first.
 * Answers null until two samples span at least 1 s.
 */
export class RateMeter {
  private readonly samples: Array<{ t: number; done: number }> = [];
  constructor(private readonly windowMs = 10_000) {}

  add(t: number, done: number): void {
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - this.samples[1].t >= this.windowMs) this.samples.shift();
  }

  perSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || last.t - first.t < 1_000) return null;
    return ((last.done - first.done) * 1000) / (last.t - first.t);
  }
}
