import { z } from "zod";
import { enumDocs } from "../../shared/docs";
import { instant, uuid } from "../../shared/json-fields";
import { pageSchemaOf } from "../../shared/page.schema";
import { zDate } from "../../shared/validation";
import { autoPauseRuleOutput, autoPauseRulesSchema, callingHoursOutput, callingHoursSchema, pauseWindowsOutput, pauseWindowsSchema } from "../rules/rules.schema";
import { retryStrategyInput, retryStrategyInputSchema, retryStrategySchema } from "./retry-strategy.schema";

// The shapes of programs, described once: the REST gateway reads and writes them with these schemas, the OpenAPI
// document is generated from them, and the GraphQL types take their descriptions.

export const MAX_CONCURRENT_CALLS = 10_000;

export enum ProgramStatus {
  DRAFT = "draft",
  ACTIVE = "active",
  ARCHIVED = "archived",
}

export const programStatusDocs = enumDocs(ProgramStatus, "Where a program stands", {
  draft: "never launched",
  active: "launched at least once",
  archived: "archived: cannot be launched; its flow and audience may be deleted",
});

export const programSchema = z
  .object({
    id: uuid.describe("The program's id"),
    name: z.string().describe("The program's name"),
    description: z.string().nullable().describe("A free text about the program, or null"),
    status: z.enum(ProgramStatus).describe(programStatusDocs.description),
    audienceId: uuid.describe("The audience it calls"),
    flowId: uuid.describe("The call flow each call runs"),
    startAt: instant.nullable().describe("When a launch starts calling by default; null (or a past time at launch) means at once"),
    stopAt: instant.nullable().describe("When a launched execution stops calling by default; null: no stop time"),
    retryStrategy: retryStrategySchema.describe("How failed attempts of its executions are retried"),
    maxConcurrentCalls: z.number().int().min(1).max(MAX_CONCURRENT_CALLS).describe(`Most calls in progress at once for one execution (1 to ${MAX_CONCURRENT_CALLS})`),
    didPool: z
      .codec(z.array(z.string()).nullish(), z.array(z.string()), { decode: (ids) => ids ?? [], encode: (ids) => ids })
      .describe("The caller IDs (DID ids) its calls rotate through, read when each call is placed; empty: the provider's default"),
    pauseWindows: pauseWindowsOutput.nullable().describe(`${pauseWindowsSchema.description}; null: none`),
    callingHours: callingHoursOutput.nullable().describe(`${callingHoursSchema.description}; null: any time`),
    autoPauseRules: z
      .codec(z.array(autoPauseRuleOutput).nullish(), z.array(autoPauseRuleOutput), { decode: (r) => r ?? [], encode: (r) => r })
      .describe("Rules that pause an execution when a node has run a given number of times"),
    createdAt: instant.describe("When it was created"),
    updatedAt: instant.describe("When it last changed"),
  })
  .describe("An audience, a call flow, a retry strategy and a schedule, launched as executions; later edits affect later executions only");

export const programPageSchema = pageSchemaOf(programSchema, "programs, newest first");

/** An input field says what the output field says (with its own rules). */
function like(field: keyof typeof programSchema.shape): string {
  return programSchema.shape[field].description!;
}

const fields = {
  name: z.string({ error: "must be a string" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters").describe(like("name")),
  description: z.string({ error: "must be a string" }).max(1000, "must be at most 1000 characters").nullable().optional().describe(like("description")),
  audienceId: z.string({ error: "must be an audience id" }).describe(like("audienceId")),
  flowId: z.string({ error: "must be a flow id" }).describe(like("flowId")),
  startAt: zDate.nullable().optional().describe(like("startAt")),
  stopAt: zDate.nullable().optional().describe("When a launched execution stops calling by default; must be in the future and after startAt; null: no stop time"),
  maxConcurrentCalls: z
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(MAX_CONCURRENT_CALLS, `must be at most ${MAX_CONCURRENT_CALLS}`)
    .optional()
    .describe(`${like("maxConcurrentCalls")}, default 10`),
  didPool: z
    .array(z.string({ error: "must be a DID id" }), { error: "must be an array of DID ids" })
    .max(1000, "must hold at most 1000 DIDs")
    .nullish()
    .describe("The caller IDs (DID ids) its calls rotate through; every one must be an active DID of the organization; empty or null: none"),
  pauseWindows: pauseWindowsSchema.nullable().optional().describe(`${pauseWindowsSchema.description}; null: none`),
  callingHours: callingHoursSchema.nullable().optional().describe(`${callingHoursSchema.description}; null: any time`),
  autoPauseRules: autoPauseRulesSchema.nullable().optional().describe("Rules that pause an execution when a node has run a given number of times; every nodeId must be a node of the flow"),
};

const strategy = (now?: Date) => (now ? retryStrategyInput(now) : retryStrategyInputSchema);

/** A new program as clients send it; with `now`, retry dates must be after it. */
export function programInput(now?: Date) {
  return z
    .strictObject({ ...fields, retryStrategy: strategy(now).nullish().describe(`${like("retryStrategy")} (default none)`) })
    .describe("A new program (draft until its first launch)");
}

/** A partial update; with `now`, retry dates must be after it. `status` archives (or un-archives) the program. */
export function programUpdate(now?: Date) {
  return z
    .strictObject({
      ...fields,
      name: fields.name.optional(),
      audienceId: fields.audienceId.optional(),
      flowId: fields.flowId.optional(),
      retryStrategy: strategy(now).optional().describe(like("retryStrategy")),
      status: z
        .enum(ProgramStatus, { error: "must be draft, active or archived" })
        .optional()
        .describe("archived archives the program (refused while one of its executions is unfinished); active (once launched) or draft (never launched) un-archives it"),
    })
    .describe("Changes to a program: fields left out keep their value; running executions keep theirs");
}

/** The input shapes, for the OpenAPI document and GraphQL descriptions. */
export const programInputSchema = programInput();
export const programUpdateSchema = programUpdate();

export const programOps = {
  preview: "What a launch of the program would meet now (audience, do-not-call list, calling hours, pause windows), without launching",
  create: "Create a program",
  get: "A program",
  list: "Programs, newest first",
  update: "Change a program; later executions use the new values",
  delete: "Delete a program without an unfinished execution (its finished executions stay as history)",
};
