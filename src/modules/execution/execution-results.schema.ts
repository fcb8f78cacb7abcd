import { z } from "zod";
import { count } from "../../shared/json-fields";
import { ExecutionContactStatus } from "./execution.schema";

// What a finished (or running) execution came to, and calling its failures again, described once for REST, OpenAPI
// and GraphQL.

export const reportContactsSchema = z
  .object({
    total: count.describe("Contacts in the snapshot"),
    completed: count.describe("Contacts completed: answered by a person, or voicemail that is not retried"),
    failed: count.describe("Contacts failed: their retried outcomes used up their attempts"),
    pending: count.describe("Contacts waiting to be called, retry queue included"),
    inProgress: count.describe("Contacts claimed by a dispatcher or in a call"),
    skipped: count.describe("Contacts skipped (cancel, stop, or the do-not-call list)"),
  })
  .describe("The execution's contacts by status, counted over its snapshot");

export const reportCallsSchema = z
  .object({
    totalCalls: count.describe("Call attempts placed, those still running included"),
    connected: count.describe("Attempts answered by a person or a machine: answered + voicemail"),
    answered: count.describe("Attempts answered by a person (outcome completed)"),
    voicemail: count.describe("Attempts answered by an answering machine"),
    noAnswer: count.describe("Attempts not answered"),
    busy: count.describe("Attempts that found the line busy"),
    rejected: count.describe("Attempts refused by the network or the callee"),
    failed: count.describe("Attempts that could not be placed or carried through"),
  })
  .describe("The execution's call attempts by outcome");

export const reportDurationSchema = z
  .object({
    p50: count.nullable().describe("Median duration in milliseconds (nearest rank); null when no attempt was answered"),
    p95: count.nullable().describe("95th percentile duration in milliseconds (nearest rank); null when no attempt was answered"),
  })
  .describe("Durations of the attempts answered by a person");

export const executionReportSchema = z
  .object({
    contacts: reportContactsSchema,
    reachRate: z.number().min(0).max(100).describe("completed / total × 100, rounded to one decimal (0 for an empty snapshot)"),
    calls: reportCallsSchema,
    nodeRuns: z.record(z.string(), count).describe("How many times each flow node ran over all attempts (node id → runs), from each attempt's recorded path"),
    durationMs: reportDurationSchema,
  })
  .describe("What an execution came to: contacts, calls, runs per flow node and call durations, counted in the database");

export const RELAUNCH_STATUSES = [ExecutionContactStatus.FAILED, ExecutionContactStatus.SKIPPED] as const;

export const relaunchInputSchema = z
  .strictObject({
    statuses: z
      .array(z.enum(RELAUNCH_STATUSES, { error: `must be ${RELAUNCH_STATUSES.join(" or ")}` }), { error: `must be an array of ${RELAUNCH_STATUSES.join(", ")}` })
      .min(1, "must name at least one status")
      .max(RELAUNCH_STATUSES.length, "must not repeat a status")
      .describe("Which contacts of the finished execution to call again: failed, skipped, or both"),
  })
  .describe("What to relaunch");

export const resultOps = {
  report: "An execution's report: contacts by status, reach rate, calls by outcome, runs per flow node and answered-call durations",
  relaunch:
    "Launch the program again over just the contacts of a finished execution that are in the given statuses (the same rules as a launch; one unfinished execution per program)",
};
