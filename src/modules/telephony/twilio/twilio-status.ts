import type { CallOutcome } from "../call-outcome";
import type { CarrierCallStatus } from "../carrier";
import type { AnsweredBy } from "../telephony.provider";

// How Twilio's call statuses and answering-machine verdicts become attempt outcomes.

export const FINAL_STATUSES: readonly CarrierCallStatus[] = ["completed", "busy", "failed", "no-answer", "canceled"];

export function isFinalStatus(status: string): status is CarrierCallStatus {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

/** `AnsweredBy` as the flow sees it: a machine (any `machine_*`, or a fax), a person, or unknown. Absent: no detection ran, a person. */
export function answeredByOf(value: string | null | undefined): AnsweredBy {
  if (!value || value === "human") return "human";
  if (value.startsWith("machine") || value === "fax") return "machine";
  return "unknown";
}

/** The attempt's outcome from a final status: answered by a person (or unknown) is completed, by a machine voicemail. */
export function outcomeOf(status: CarrierCallStatus, answeredBy: string | null | undefined): { outcome: CallOutcome; failureReason: string | null } {
  switch (status) {
    case "completed":
      return { outcome: answeredByOf(answeredBy) === "machine" ? "voicemail" : "completed", failureReason: null };
    case "no-answer":
      return { outcome: "noAnswer", failureReason: null };
    case "busy":
      return { outcome: "busy", failureReason: null };
    case "failed":
      return { outcome: "rejected", failureReason: null };
    case "canceled":
      return { outcome: "failed", failureReason: "canceled" };
    default:
      throw new Error(`call status ${status} is not final`);
  }
}
