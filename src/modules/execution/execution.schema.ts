import { z } from "zod";
import { describeValues, enumDocs } from "../../shared/docs";
import { count, instant, positiveInt, uuid } from "../../shared/json-fields";
import { exportFormatSchema } from "../../shared/export-format";
import { pageQuerySchema, pageSchemaOf } from "../../shared/page.schema";
import { zDate } from "../../shared/validation";
import { autoPauseRuleOutput, autoPauseRulesSchema } from "../rules/rules.schema";
import { CALL_OUTCOMES, FLOW_OUTCOMES } from "../telephony/call-outcome";

// The shapes of executions, their snapshot rows and call attempts, described once: the REST gateway serializes with
// these schemas, the OpenAPI document is generated from them, and the GraphQL types take their descriptions.

export enum ExecutionStatus {
  SCHEDULED = "scheduled",
  RUNNING = "running",
  PAUSED = "paused",
  COMPLETED = "completed",
  STOPPED = "stopped",
  CANCELLED = "cancelled",
}

export const executionStatusDocs = enumDocs(ExecutionStatus, "The lifecycle status of an execution", {
  scheduled: "waiting for its start time",
  running: "placing calls until every contact has a final status or the stop time comes",
  paused: "no new calls until it is resumed; calls in progress finish",
  completed: "every contact reached a final status",
  stopped: "its stop time came; contacts without a final outcome were skipped",
  cancelled: "cancelled; contacts without a final outcome were skipped",
});

export enum ExecutionContactStatus {
  PENDING = "pending",
  IN_PROGRESS = "inProgress",
  COMPLETED = "completed",
  FAILED = "failed",
  SKIPPED = "skipped",
}

export const executionContactStatusDocs = enumDocs(ExecutionContactStatus, "Where a contact stands in an execution", {
  pending: "waiting to be called, retry queue included",
  inProgress: "claimed by a dispatcher or in a call",
  completed: "answered by a person, or reached voicemail under a strategy that does not retry voicemail",
  failed: "its retried outcomes used up its attempts",
  skipped: "had no final outcome when the execution was cancelled or stopped, or its number is on the do-not-call list (see skipReason)",
});

export enum EffectiveExecutionStatus {
  SCHEDULED = "scheduled",
  RUNNING = "running",
  PAUSED_MANUAL = "paused_manual",
  PAUSED_WINDOW = "paused_window",
  PAUSED_THRESHOLD = "paused_threshold",
  PAUSED_PROVIDER = "paused_provider",
  COMPLETED = "completed",
  STOPPED = "stopped",
  CANCELLED = "cancelled",
}

export const effectiveStatusDocs = enumDocs(EffectiveExecutionStatus, "What an execution is doing, finer than its status", {
  scheduled: "waiting for its start time",
  running: "placing calls",
  paused_manual: "paused by a person; resume it to go on",
  paused_window: "running, inside one of its pause windows: no new call starts until the window closes",
  paused_threshold: "paused by an auto-pause rule (a node ran as many times as the rule allows); resume it, optionally with new rules",
  paused_provider: "paused because the carrier refused the account or caller ID (or no active DID is left); fix it, then resume",
  completed: "every contact reached a final status",
  stopped: "its stop time came",
  cancelled: "cancelled",
});

export enum SkipReason {
  CANCELLED = "cancelled",
  STOPPED = "stopped",
  DNC = "dnc",
}

export const skipReasonDocs = enumDocs(SkipReason, "Why a contact was skipped", {
  cancelled: "the execution was cancelled before the contact had a final outcome",
  stopped: "the execution reached its stop time before the contact had a final outcome",
  dnc: "its number is on the organization's do-not-call list",
});

export const executionSchema = z
  .object({
    id: uuid.describe("The execution's id"),
    programId: uuid.describe("The program it runs"),
    organizationId: uuid.describe("The organization that owns it"),
    audienceId: uuid.describe("The audience snapshotted at launch"),
    flowId: uuid.describe("The call flow it runs"),
    flowVersion: positiveInt.describe("The flow's version at launch; later edits of the flow do not change this execution"),
    status: z.enum(ExecutionStatus).describe(executionStatusDocs.description),
    totalContacts: count.describe("Contacts in the snapshot: always completed + failed + pending + inProgress + skipped"),
    contactsCompleted: count.describe(`Contacts that are ${ExecutionContactStatus.COMPLETED}: answered by a person, or voicemail that is not retried`),
    contactsFailed: count.describe(`Contacts that are ${ExecutionContactStatus.FAILED}: their retried outcomes used up their attempts`),
    contactsPending: count.describe(`Contacts that are ${ExecutionContactStatus.PENDING}: waiting to be called, retry queue included`),
    contactsInProgress: count.describe(`Contacts that are ${ExecutionContactStatus.IN_PROGRESS}: claimed by a dispatcher or in a call`),
    contactsSkipped: count.describe(`Contacts that are ${ExecutionContactStatus.SKIPPED}: no final outcome when the execution was cancelled or stopped`),
    scheduledStartAt: instant.describe("When calling starts (the launch time when no start time, or a past one, was given)"),
    scheduledStopAt: instant.nullable().describe("When calling stops (status stopped); null: no stop time"),
    actualStartAt: instant.nullable().describe("When the first call was placed; null before that"),
    actualEndAt: instant
      .nullable()
      .describe("When it reached a terminal status with no call left in progress; once set the execution is finished and its counters no longer move"),
    createdAt: instant.describe("When it was launched"),
    updatedAt: instant.describe("When it last changed"),
    sequence: positiveInt.describe("Increases with every committed change of the execution: orders events and lets clients drop stale ones"),
    effectiveStatus: z.enum(EffectiveExecutionStatus).describe(effectiveStatusDocs.description),
    autoPauseRules: z
      .codec(z.array(autoPauseRuleOutput).nullish(), z.array(autoPauseRuleOutput), { decode: (r) => r ?? [], encode: (r) => r })
      .describe("The auto-pause rules it runs with (the program's at launch, or those given at its last resume)"),
    nodeRunCounts: z
      .codec(z.record(z.string(), z.number()).nullish(), z.record(z.string(), z.number()), { decode: (c) => c ?? {}, encode: (c) => c })
      .describe("Runs of each node that an auto-pause rule counts (node id → count), counted when each attempt's result is recorded"),
  })
  .describe(
    "One run of a program over a snapshot of its audience, with its progress counters. The program is used as it was at launch (flow version, retry strategy, maxConcurrentCalls).",
  );

export const executionContactSchema = z
  .object({
    contactId: uuid.describe("The contact's id"),
    primaryPhone: z.string().describe("The number called (E.164), as it was at launch"),
    status: z.enum(ExecutionContactStatus).describe(executionContactStatusDocs.description),
    attempts: count.describe("Call attempts placed to the contact so far"),
    nextAttemptAt: instant.nullable().describe("When the contact is next due to be called; null when no call is due"),
    lastOutcome: z.string().nullable().describe("The outcome of its latest finished attempt (see CallAttempt.outcome); null before the first ends"),
    skipReason: z.enum(SkipReason).nullable().describe(`${skipReasonDocs.description}; null unless skipped`),
  })
  .describe("One contact of an execution's audience snapshot");

export const callAttemptSchema = z
  .object({
    id: uuid.describe("The attempt's id"),
    executionId: uuid.describe("The execution it belongs to"),
    contactId: uuid.describe("The contact called"),
    attemptNumber: positiveInt.describe("1 for the first call to the contact in this execution, then 2, 3…"),
    outcome: z
      .enum(CALL_OUTCOMES)
      .nullable()
      .describe(
        describeValues<(typeof CALL_OUTCOMES)[number]>("How the call ended (null while it runs)", {
          completed: "answered by a person",
          voicemail: "answered by an answering machine",
          noAnswer: "not answered",
          busy: "the line was busy",
          rejected: "refused by the network or the callee",
          failed: "could not be placed or carried through",
        }),
      ),
    failureReason: z.string().nullable().describe("Why the attempt failed (e.g. lease_expired, provider_error); null otherwise"),
    flowOutcome: z
      .enum(FLOW_OUTCOMES)
      .nullable()
      .describe(
        describeValues<(typeof FLOW_OUTCOMES)[number]>("How the call flow ended (null when not answered)", {
          completed: "the flow ran to its end",
          error: "the flow ended on an error",
          hungUp: "the callee hung up mid-flow",
        }),
      ),
    startedAt: instant.describe("When the contact was claimed for this call"),
    answeredAt: instant.nullable().describe("When the call was answered; null if it was not"),
    endedAt: instant.nullable().describe("When the call ended; null while it runs"),
    durationMs: count.nullable().describe("How long the call lasted, in milliseconds; null while it runs"),
    path: z.array(z.string()).nullable().describe("The flow node ids the call visited, in order; null while it runs"),
    variables: z.record(z.string(), z.unknown()).nullable().describe("The flow's variables when the call ended; null while it runs"),
    fromNumber: z.string().nullable().describe("The caller ID the call showed (E.164)"),
    providerCallId: z.string().nullable().describe("The carrier's id of the call (null for the simulator)"),
  })
  .describe("One call placed to a contact in an execution");

export const executionPageSchema = pageSchemaOf(executionSchema, "executions, newest first");
export const executionContactPageSchema = pageSchemaOf(executionContactSchema, "an execution's contacts, by contact id");
export const callAttemptPageSchema = pageSchemaOf(callAttemptSchema, "an execution's call attempts, newest first");

export const idempotencyKeySchema = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .describe("Per program, kept 24 h: a repeat, even a concurrent one, answers with the same execution");

export const launchInputSchema = z
  .strictObject({
    idempotencyKey: idempotencyKeySchema.nullable().optional(),
    startAt: zDate.nullable().optional().describe("When calling starts, instead of the program's startAt; none, or a past time, means now"),
    stopAt: zDate.nullable().optional().describe("When calling stops, instead of the program's stopAt; must be in the future and after the start"),
  })
  .describe("Launch options");

/** The REST launch body: the options but the idempotency key, which travels in the `Idempotency-Key` header. */
export const launchBodySchema = launchInputSchema.omit({ idempotencyKey: true }).describe("Launch options (all optional)");

export const launchResultSchema = z.object({ executionId: uuid.describe("The launched execution's id") }).describe("The launched execution");

export const executionListQuery = pageQuerySchema.extend({
  programId: z.string({ error: "must be a program id" }).nullish().describe("Only this program's executions"),
  activeOnly: z.boolean({ error: "must be a boolean" }).nullish().describe("Only scheduled, running and paused executions"),
});

/** The filters of an execution's contacts: the listing and the export take the same ones. */
export const executionContactsFilter = z.object({
  status: z
    .enum(ExecutionContactStatus, { error: `must be one of ${Object.values(ExecutionContactStatus).join(", ")}` })
    .optional()
    .describe("Only contacts in this status (failed, to review failures)"),
});

/** The filters of an execution's call attempts, for the listing and the export. */
export const callAttemptsFilter = z.object({
  contactId: z.string({ error: "must be a contact id" }).optional().describe("Only this contact's attempts"),
});

export const executionContactsQuery = pageQuerySchema.extend(executionContactsFilter.shape);
export const callAttemptsQuery = pageQuerySchema.extend(callAttemptsFilter.shape);

export const executionContactsExportQuery = executionContactsFilter.extend({ format: exportFormatSchema });
export const callAttemptsExportQuery = callAttemptsFilter.extend({ format: exportFormatSchema });

/** One record of the contacts export: its columns, in order (a CSV's header row names them). */
export const executionContactExportSchema = executionContactSchema
  .pick({ contactId: true, primaryPhone: true, status: true, skipReason: true, attempts: true, lastOutcome: true, nextAttemptAt: true })
  .describe("One contact of an execution's audience snapshot, as a record of the contacts export (a CSV row: an empty field is null)");

/** One record of the calls export: a call attempt without its execution id, path and variables. */
export const callAttemptExportSchema = callAttemptSchema
  .pick({
    id: true,
    contactId: true,
    attemptNumber: true,
    outcome: true,
    failureReason: true,
    flowOutcome: true,
    startedAt: true,
    answeredAt: true,
    endedAt: true,
    durationMs: true,
    fromNumber: true,
    providerCallId: true,
  })
  .describe("One call attempt of an execution, as a record of the calls export (a CSV row: an empty field is null)");

/** What each operation on executions does, for the REST routes and the GraphQL operations alike. */
export const executionOps = {
  launch: "Launch a program: snapshot its audience into a new execution (one unfinished execution per program)",
  get: "An execution and its progress counters",
  list: "Executions, newest first",
  listActive: "The organization's scheduled, running and paused executions, newest first",
  listOfProgram: "A program's executions, newest first",
  pause: "Pause: no new call starts, calls in progress finish (pausing a paused execution changes nothing)",
  resume: "Resume a paused execution; one whose last contact finished while paused completes (resuming a running one changes nothing)",
  cancel: "Cancel: contacts without a final outcome are skipped, calls in progress finish (cancelling a cancelled one changes nothing)",
  contacts: "The execution's audience snapshot, by contact id; filter by status to review failures",
  calls: "The execution's call attempts, newest first",
  exportContacts: "Download the execution's contacts as CSV or NDJSON, by contact id, with the listing's filters",
  exportCalls: "Download the execution's call attempts as CSV or NDJSON, newest first, with the listing's filters",
};

export const resumeInputSchema = z
  .strictObject({
    autoPauseRules: autoPauseRulesSchema.optional().describe("Replaces the execution's auto-pause rules (every nodeId a node of the flow version it runs); left out: keep them"),
  })
  .describe("Optional changes that come with a resume");
