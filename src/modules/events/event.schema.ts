import { z } from "zod";
import { describeValues } from "../../shared/docs";
import { count, instant, positiveInt, uuid } from "../../shared/json-fields";
import { ExecutionContactStatus, ExecutionStatus, EffectiveExecutionStatus, SkipReason } from "../execution/execution.schema";
import { CALL_OUTCOMES } from "../telephony/call-outcome";
import { EVENT_TYPES, EventType } from "./event-log";

// The entries of an execution's event log, described once: the REST listing serializes with these schemas, the
// OpenAPI document shows each type's data, and the GraphQL type takes its descriptions from here.

const contactStatus = z.enum(ExecutionContactStatus);

/** What each type's `data` holds. Loose objects: a field added to an event later is passed on, not dropped. */
export const eventDataSchemas = {
  "execution.launched": z
    .looseObject({
      totalContacts: count.describe("Contacts in the snapshot"),
      skipped: count.optional().describe("Contacts skipped at launch because their number is on the do-not-call list"),
      status: z.enum(ExecutionStatus).optional().describe("The status it was launched in (scheduled or running)"),
      relaunchOf: uuid.optional().describe("For a relaunch: the finished execution whose contacts it calls again"),
    })
    .describe("An execution was launched"),
  "execution.status_changed": z
    .looseObject({
      from: z.enum(ExecutionStatus).describe("The status before"),
      to: z.enum(ExecutionStatus).describe("The status after (the same as from when only a pause window opened or closed)"),
      effectiveStatus: z.enum(EffectiveExecutionStatus).describe("The effective status after the change"),
      skipped: count.optional().describe("Contacts a cancel or a stop skipped in bulk (they get no contact.finalized of their own)"),
    })
    .describe("The execution's status or effective status changed"),
  "attempt.finished": z
    .looseObject({
      contactId: uuid.describe("The contact called"),
      attemptNumber: positiveInt.describe("The attempt's number for that contact"),
      outcome: z.enum(CALL_OUTCOMES).describe("How the call ended (see CallAttempt.outcome)"),
      failureReason: z.string().nullish().describe("Why it failed, when it did"),
      contactStatus: contactStatus.nullable().describe("Where the contact stands after this attempt"),
      corrected: z.boolean().optional().describe("True when a late result rewrote an attempt that had been closed by a guess"),
    })
    .describe("A call attempt ended and was recorded"),
  "contact.finalized": z
    .looseObject({
      contactId: uuid.describe("The contact"),
      status: contactStatus.describe("Its final status: completed, failed or skipped"),
      skipReason: z.enum(SkipReason).nullable().describe("Why it was skipped (do-not-call, or a retry due after a cancel or stop); null otherwise"),
      corrected: z.boolean().optional().describe("True when a late answer by a person completed a contact that had another final status"),
      previousStatus: contactStatus.optional().describe("With corrected: the status it had before"),
    })
    .describe("A contact reached a final status on its own (bulk skips are counted in execution.status_changed)"),
  "execution.finished": z
    .looseObject({
      status: z.enum(ExecutionStatus).describe("The terminal status it finished in"),
      totalContacts: count.describe("The final totalContacts"),
      contactsCompleted: count.describe("The final contactsCompleted"),
      contactsFailed: count.describe("The final contactsFailed"),
      contactsPending: count.describe("The final contactsPending (0)"),
      contactsInProgress: count.describe("The final contactsInProgress (0)"),
      contactsSkipped: count.describe("The final contactsSkipped"),
    })
    .describe("The execution finished (actualEndAt set): its final counters"),
} satisfies Record<EventType, z.ZodType>;

export const eventTypeDescription = describeValues<EventType>(
  "What happened, as a dotted name",
  Object.fromEntries(EVENT_TYPES.map((t) => [t, z.globalRegistry.get(eventDataSchemas[t])!.description!.toLowerCase()])) as Record<EventType, string>,
);

const common = {
  id: uuid.describe("The event's id (stable: a webhook delivery carries it as webhook-id)"),
  executionId: uuid.describe("The execution it belongs to"),
  position: positiveInt.describe("Its place in the execution's log: 1, 2, 3… with no gaps (the cursor for `after`)"),
  sequence: positiveInt.describe("The execution's sequence after the change"),
  occurredAt: instant.describe("When the change committed"),
};

const dataDescription = `What happened, by type: ${EVENT_TYPES.map((t) => `${t} → {${Object.keys(eventDataSchemas[t].shape).join(", ")}}`).join("; ")}`;

/** One entry of the log, its `data` shaped by its `type`. */
export const eventSchema = z
  .discriminatedUnion(
    "type",
    EVENT_TYPES.map((t) =>
      z.object({
        ...common,
        type: z.literal(t).describe(eventTypeDescription),
        data: eventDataSchemas[t].describe(dataDescription),
      }),
    ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  )
  .describe("One entry of an execution's event log, appended in the same transaction as the change it records");

/** For GraphQL descriptions: the plain shape of an event. */
export const eventFieldsSchema = z.object({
  ...common,
  type: z.enum(EVENT_TYPES).describe(eventTypeDescription),
  data: z.record(z.string(), z.unknown()).describe(dataDescription),
});

export const MAX_EVENT_LIMIT = 1000;
export const DEFAULT_EVENT_LIMIT = 100;
const WHOLE = "must be a whole number";

export const eventsQuerySchema = z.object({
  after: z.coerce
    .number({ error: WHOLE })
    .int(WHOLE)
    .min(0, "must be at least 0")
    .default(0)
    .describe("Only events after this position (the last one a client saw; default 0: from the start)"),
  limit: z.coerce
    .number({ error: WHOLE })
    .int(WHOLE)
    .min(1, "must be at least 1")
    .max(MAX_EVENT_LIMIT, `must be at most ${MAX_EVENT_LIMIT}`)
    .default(DEFAULT_EVENT_LIMIT)
    .describe(`Events per page, 1 to ${MAX_EVENT_LIMIT} (default ${DEFAULT_EVENT_LIMIT})`),
});

export const eventsMetaSchema = z
  .object({
    after: count.describe("The position this page starts after"),
    limit: positiveInt.describe("The most events a page holds"),
    hasMore: z.boolean().describe("Whether events after this page exist already (ask again with after = the last position)"),
  })
  .describe("Where this page sits in the log");

export const eventPageSchema = z
  .object({
    data: z.array(eventSchema).describe("Events in position order, oldest first"),
    meta: eventsMetaSchema,
  })
  .describe("A page of an execution's event log, oldest first");

/** Arguments of the live feeds that take up where a reconnecting client left off. */
export const resumeArgsSchema = z.object({
  progressAfter: count.nullish().describe("The last sequence a reconnecting client saw: no snapshot up to it is sent again (the first is skipped when nothing changed since)"),
});

export const eventOps = {
  list: "An execution's event log after a position, oldest first",
  subscribe:
    "The events after `after` (default 0: all), replayed from the log, then each new one as it commits, in position order with no gap and no repeat; completes after execution.finished",
};
