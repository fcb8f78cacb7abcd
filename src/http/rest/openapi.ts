import { z } from "zod";
import { audienceInputSchema, audiencePageSchema, audiencePatchSchema, audienceSchema, contactIdsBodySchema } from "../../modules/audience/audience.schema";
import {
  contactInputSchema,
  contactPageSchema,
  contactPatchSchema,
  contactSchema,
  contactUpsertResultSchema,
  contactUpsertSchema,
} from "../../modules/contact/contact.schema";
import {
  callAttemptPageSchema,
  callAttemptSchema,
  executionContactPageSchema,
  executionContactSchema,
  executionPageSchema,
  executionSchema,
  launchBodySchema,
  launchResultSchema,
  resumeInputSchema,
} from "../../modules/execution/execution.schema";
import { executionReportSchema, relaunchInputSchema, reportCallsSchema, reportContactsSchema, reportDurationSchema } from "../../modules/execution/execution-results.schema";
import { eventPageSchema, eventSchema, eventsMetaSchema } from "../../modules/events/event.schema";
import { didInputSchema, didPageSchema, didPatchSchema, didSchema } from "../../modules/did/did.schema";
import { dncAddResultSchema, dncAddSchema, dncEntrySchema, dncPageSchema } from "../../modules/dnc/dnc.schema";
import { organizationPatchSchema, organizationSchema } from "../../modules/organization/organization.schema";
import { programPreviewSchema } from "../../modules/program/program-preview";
import {
  advancedWindowOut,
  advancedWindowSchema,
  autoPauseRuleOutput,
  autoPauseRuleSchema,
  callingHoursOutput,
  callingHoursSchema,
  pauseWindowsOutput,
  pauseWindowsSchema,
  timeOfDayOut,
  timeOfDaySchema,
  weekdayWindowOut,
  weekdayWindowSchema,
} from "../../modules/rules/rules.schema";
import { flowInputSchema, flowNodeInputSchema, flowNodeSchema, flowPageSchema, flowSchema } from "../../modules/flow/flow.schema";
import { programInputSchema, programPageSchema, programSchema, programUpdateSchema } from "../../modules/program/program.schema";
import {
  webhookCreatedSchema,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookInputSchema,
  webhookPageSchema,
  webhookPatchSchema,
  webhookSchema,
} from "../../modules/webhook/webhook.schema";
import { retryStrategyInputSchema, retryStrategySchema } from "../../modules/program/retry-strategy.schema";
import { doc } from "../../shared/docs";
import { ERROR_TABLE } from "../../shared/errors";
import { pageMetaSchema } from "../../shared/page.schema";
import { errorSchema } from "./error.schema";
import type { RestRoute, Tag } from "./route";
import { ROUTES } from "./routes";

// The OpenAPI 3.1 document of the REST gateway, served at GET /api/openapi.json, generated from the zod schemas the
// gateway reads and writes with (zod's own JSON Schema output) and from the route table: it cannot drift from the
// code. The REST tests also validate every real response against it. Error responses come from ERROR_TABLE, the
// table toRestError maps with.

type Json = Record<string, unknown>;

/** Named schemas, as the API writes them (output) and as clients send them (input). A route's schemas must be here. */
const COMPONENTS = {
  output: {
    Error: errorSchema,
    PageMeta: pageMetaSchema,
    ProgramExecution: executionSchema,
    ProgramExecutionPage: executionPageSchema,
    ExecutionContact: executionContactSchema,
    ExecutionContactPage: executionContactPageSchema,
    CallAttempt: callAttemptSchema,
    CallAttemptPage: callAttemptPageSchema,
    LaunchResponse: launchResultSchema,
    RetryStrategy: retryStrategySchema,
    Program: programSchema,
    ProgramPage: programPageSchema,
    FlowNode: flowNodeSchema,
    Flow: flowSchema,
    FlowPage: flowPageSchema,
    Contact: contactSchema,
    ContactPage: contactPageSchema,
    ContactUpsertResponse: contactUpsertResultSchema,
    Audience: audienceSchema,
    AudiencePage: audiencePageSchema,
    Did: didSchema,
    DidPage: didPageSchema,
    Organization: organizationSchema,
    ProgramPreview: programPreviewSchema,
    PauseWindows: pauseWindowsOutput,
    WeekdayWindow: weekdayWindowOut,
    TimeOfDay: timeOfDayOut,
    AdvancedWindow: advancedWindowOut,
    CallingHours: callingHoursOutput,
    AutoPauseRule: autoPauseRuleOutput,
    DncNumber: dncEntrySchema,
    DncNumberPage: dncPageSchema,
    DncAddResult: dncAddResultSchema,
    ExecutionEvent: eventSchema,
    ExecutionEventPage: eventPageSchema,
    ExecutionEventPageMeta: eventsMetaSchema,
    ExecutionReport: executionReportSchema,
    ReportContacts: reportContactsSchema,
    ReportCalls: reportCallsSchema,
    ReportDuration: reportDurationSchema,
    Webhook: webhookSchema,
    CreatedWebhook: webhookCreatedSchema,
    WebhookPage: webhookPageSchema,
    WebhookDelivery: webhookDeliverySchema,
    WebhookDeliveryPage: webhookDeliveryPageSchema,
  },
  input: {
    LaunchRequest: launchBodySchema,
    RetryStrategyInput: retryStrategyInputSchema,
    ProgramInput: programInputSchema,
    ProgramUpdate: programUpdateSchema,
    FlowNodeInput: flowNodeInputSchema,
    FlowInput: flowInputSchema,
    ContactInput: contactInputSchema,
    ContactUpdate: contactPatchSchema,
    ContactUpsertRequest: contactUpsertSchema,
    AudienceInput: audienceInputSchema,
    AudienceUpdate: audiencePatchSchema,
    ContactIds: contactIdsBodySchema,
    DidInput: didInputSchema,
    DidUpdate: didPatchSchema,
    OrganizationUpdate: organizationPatchSchema,
    ResumeRequest: resumeInputSchema,
    PauseWindowsInput: pauseWindowsSchema,
    WeekdayWindowInput: weekdayWindowSchema,
    TimeOfDayInput: timeOfDaySchema,
    AdvancedWindowInput: advancedWindowSchema,
    CallingHoursInput: callingHoursSchema,
    AutoPauseRuleInput: autoPauseRuleSchema,
    DncAddRequest: dncAddSchema,
    RelaunchRequest: relaunchInputSchema,
    WebhookInput: webhookInputSchema,
    WebhookUpdate: webhookPatchSchema,
  },
} satisfies Record<"input" | "output", Record<string, z.ZodType>>;

const TAGS: Record<Tag | "Meta", string> = {
  Executions: "Launch programs, follow and steer their executions, review their contacts and calls",
  Programs: "An audience, a call flow, a retry strategy and a schedule",
  Flows: "Call flows: what happens on each call",
  Contacts: "The people to call",
  Audiences: "Lists of contacts that programs call",
  DIDs: "Caller IDs: numbers the organization owns at its carrier, which programs rotate through",
  Organization: "The caller's organization and its settings",
  "Do-not-call": "Numbers that must never be called",
  Webhooks: "Endpoints that receive execution events as they happen, signed, in order, at least once",
  Meta: "This document",
};

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

/** zod's JSON Schema made quieter: no per-schema `$schema`/`$id`, no safe-integer bounds nobody asked for. */
function tidy(json: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = json;
  return rest;
}

const jsonOptions = (io: "input" | "output") => ({
  io,
  override: ({ jsonSchema }: { jsonSchema: Json }) => {
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    // The format says it; zod's long regular expression for it only makes the document harder to read.
    if (jsonSchema.format === "uuid" || jsonSchema.format === "email") delete jsonSchema.pattern;
  },
});

/** A parameter's schema: its description is the parameter's. */
function parameterSchema(schema: z.ZodType): Json {
  const { description: _, ...json } = tidy(z.toJSONSchema(schema, jsonOptions("input")) as Json);
  return json;
}

/** The components of one direction, with `$ref`s between them, and the name of each schema. */
function componentsOf(io: "input" | "output") {
  const registry = z.registry<{ id: string }>();
  const names = new Map<z.ZodType, string>();
  for (const [name, schema] of Object.entries<z.ZodType>(COMPONENTS[io])) {
    registry.add(schema, { id: name });
    names.set(schema, name);
  }
  const { schemas } = z.toJSONSchema(registry, { ...jsonOptions(io), uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  if ("__shared" in schemas) throw new Error("a schema shared by two components needs a name of its own in COMPONENTS");
  return { schemas: Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, tidy(v)])), names };
}

const output = componentsOf("output");
const input = componentsOf("input");

function named(names: Map<z.ZodType, string>, schema: z.ZodType, what: string): Json {
  const name = names.get(schema);
  if (!name) throw new Error(`${what} is not a named schema: add it to COMPONENTS`);
  return ref(name);
}

/** One response per HTTP status of ERROR_TABLE, its `error` names listed. */
const errorResponses: Record<string, Json> = {};
for (const status of [...new Set(Object.values(ERROR_TABLE).map((e) => e.http))]) {
  const names = [
    ...new Set(
      Object.values(ERROR_TABLE)
        .filter((e) => e.http === status)
        .map((e) => e.rest),
    ),
  ];
  errorResponses[`Error${status}`] = {
    description: names.join(", "),
    ...(status === 405 ? { headers: { Allow: { schema: { type: "string" }, description: "The methods the path supports" } } } : {}),
    ...(status === 429 || status === 503 ? { headers: { "Retry-After": { schema: { type: "string" }, description: "Seconds to wait before retrying" } } } : {}),
    content: { "application/json": { schema: { allOf: [ref("Error"), { type: "object", properties: { error: { type: "string", enum: names } } }] } } },
  };
}

/**
 * Statuses any operation may answer: bad input (query, JSON), key, unknown id or path, method, body size and type,
 * the key's request rate (429), and the database out of reach (503).
 */
const COMMON_ERRORS = [400, 401, 404, 405, 413, 415, 429, 500, 503];

function parameters(r: RestRoute): Json[] {
  const out: Json[] = [];
  if (r.id)
    out.push({
      name: "id",
      in: "path",
      required: true,
      description: `The ${r.id.toLowerCase()}'s id (an unknown or malformed id, or another organization's, answers 404)`,
      schema: { type: "string" },
    });
  if (r.pathParam) out.push({ name: r.pathParam.name, in: "path", required: true, description: r.pathParam.description, schema: { type: "string" } });
  for (const [name, schema] of Object.entries(r.query?.shape ?? {}))
    out.push({ name, in: "query", description: doc(schema), schema: parameterSchema(schema) });
  for (const [name, schema] of Object.entries(r.headers ?? {}))
    out.push({ name, in: "header", description: doc(schema), schema: parameterSchema(schema) });
  return out;
}

function operation(r: RestRoute): Json {
  const responses: Json = {
    [r.status]: { description: doc(r.response), content: { "application/json": { schema: named(output.names, r.response, `${r.operationId}'s response`) } } },
  };
  for (const s of [...COMMON_ERRORS, ...(r.errors ?? [])].sort()) responses[s] = { $ref: `#/components/responses/Error${s}` };
  const params = parameters(r);
  return {
    operationId: r.operationId,
    summary: r.summary,
    description: r.description ?? `${r.summary}.`,
    tags: [r.tag],
    ...(params.length ? { parameters: params } : {}),
    ...(r.body
      ? {
          requestBody: {
            required: r.body.required,
            description: doc(r.body.schema),
            content: { "application/json": { schema: named(input.names, r.body.schema, `${r.operationId}'s body`) } },
          },
        }
      : {}),
    responses,
  };
}

const paths: Record<string, Json> = {
  "/api/openapi.json": {
    get: {
      operationId: "getOpenApiDocument",
      summary: "This document (no key needed)",
      description: "The OpenAPI 3.1 description of the REST gateway, generated from the schemas it reads and writes with.",
      tags: ["Meta"],
      security: [],
      responses: { 200: { description: "The OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } } },
    },
  },
};
for (const r of ROUTES) (paths[`/api${r.path}`] ??= {})[r.method] = operation(r);

const clash = Object.keys(output.schemas).find((name) => name in input.schemas);
if (clash) throw new Error(`${clash} names both an input and an output schema`);

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Voicecast REST gateway",
    version: "0.1.0",
    description:
      "Outbound voice-call campaigns for curl users. Send the API key in `x-api-key` (or `Authorization: Bearer`). " +
      "Errors are JSON `{ error, message }`; a ValidationError's message names every bad field. Dates are ISO-8601 UTC " +
      "with milliseconds. The GraphQL API at /graphql offers the same operations with the same descriptions.",
  },
  servers: [{ url: "http://localhost:4000" }],
  security: [{ apiKey: [] }, { bearer: [] }],
  tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  paths,
  components: {
    securitySchemes: {
      apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "The organization's API key" },
      bearer: { type: "http", scheme: "bearer", description: "The organization's API key as a bearer token" },
    },
    schemas: { ...output.schemas, ...input.schemas },
    responses: errorResponses,
  },
};
