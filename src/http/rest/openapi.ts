import { NODE_TYPES } from "../../modules/flow/flow.types";
import { MAX_CONCURRENT_CALLS } from "../../modules/program/program.service";
import { ERROR_TABLE } from "../../shared/errors";
import { MAX_PAGE_LIMIT } from "../../shared/pagination";

// OpenAPI 3.1 description of the REST gateway, served at GET /api/openapi.json. The REST tests validate every real
// response (status and body) against it and check that its operations are exactly the router's, so it cannot drift.
// Error responses are built from ERROR_TABLE, the same table toRestError maps with.

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (s: Schema): Schema => ({ ...s, type: [s.type as string, "null"] });
const object = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});

/** An instant as the gateway writes it: ISO-8601 UTC with milliseconds. */
const instant: Schema = {
  type: "string",
  format: "date-time",
  pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$",
  examples: ["2025-01-20T09:00:05.000Z"],
};
/** An instant as the gateway reads it: any ISO-8601 date-time with a zone. */
const dateTimeInput: Schema = { type: "string", format: "date-time", examples: ["2030-01-20T09:00:00Z"] };
const uuid: Schema = { type: "string", format: "uuid" };
const text = (maxLength: number): Schema => ({ type: "string", maxLength });
const count: Schema = { type: "integer", minimum: 0 };
const e164: Schema = { type: "string", pattern: "^\\+[1-9]\\d{1,14}$", examples: ["+14155550123"] };

const schemas: Record<string, Schema> = {
  Error: {
    type: "object",
    description: "Every error of the gateway. `details.problems` lists each bad field of a ValidationError.",
    properties: {
      error: { type: "string", enum: [...new Set(Object.values(ERROR_TABLE).map((e) => e.rest))] },
      message: { type: "string" },
      details: {
        type: "object",
        properties: {
          problems: { type: "array", items: object({ field: { type: "string" }, message: { type: "string" } }) },
        },
      },
    },
    required: ["error", "message"],
    additionalProperties: false,
  },
  PageMeta: object({
    page: { type: "integer", minimum: 1 },
    limit: { type: "integer", minimum: 1, maximum: MAX_PAGE_LIMIT },
    total: count,
    totalPages: count,
    hasNextPage: { type: "boolean" },
    hasPreviousPage: { type: "boolean" },
  }),
  ProgramExecution: object({
    id: uuid,
    programId: uuid,
    organizationId: uuid,
    audienceId: uuid,
    flowId: uuid,
    flowVersion: { type: "integer", minimum: 1 },
    status: { type: "string", enum: ["scheduled", "running", "paused", "completed", "stopped", "cancelled"] },
    totalContacts: count,
    contactsCompleted: count,
    contactsFailed: count,
    contactsPending: count,
    contactsInProgress: count,
    contactsSkipped: count,
    scheduledStartAt: instant,
    scheduledStopAt: nullable(instant),
    actualStartAt: nullable(instant),
    actualEndAt: nullable(instant),
    createdAt: instant,
    updatedAt: instant,
    sequence: { type: "integer", minimum: 1, description: "Increases with every committed change of the execution." },
  }),
  LaunchRequest: object({ startAt: nullable(dateTimeInput), stopAt: nullable(dateTimeInput) }, []),
  LaunchResponse: object({ executionId: uuid }),
  ExecutionContact: object({
    contactId: uuid,
    primaryPhone: e164,
    status: { type: "string", enum: ["pending", "inProgress", "completed", "failed", "skipped"] },
    attempts: count,
    nextAttemptAt: nullable(instant),
    lastOutcome: { type: ["string", "null"] },
  }),
  CallAttempt: object({
    id: uuid,
    executionId: uuid,
    contactId: uuid,
    attemptNumber: { type: "integer", minimum: 1 },
    outcome: { type: ["string", "null"], enum: ["completed", "voicemail", "noAnswer", "busy", "rejected", "failed", null] },
    failureReason: { type: ["string", "null"] },
    flowOutcome: { type: ["string", "null"], enum: ["completed", "error", "hungUp", null] },
    startedAt: instant,
    answeredAt: nullable(instant),
    endedAt: nullable(instant),
    durationMs: { type: ["integer", "null"], minimum: 0 },
    path: { type: ["array", "null"], items: { type: "string" } },
    variables: { type: ["object", "null"] },
  }),
  RetryStrategy: {
    description: "How failed attempts are retried. `maxRetries: 3` means up to 4 attempts.",
    oneOf: [
      object({ type: { const: "none" } }),
      object(
        {
          type: { const: "fixed_delay" },
          delayMinutes: { type: "number", exclusiveMinimum: 0 },
          maxRetries: { type: "integer", minimum: 0, maximum: 100 },
          retryOnVoicemail: { type: "boolean", default: true },
        },
        ["type", "delayMinutes", "maxRetries"],
      ),
      object(
        {
          type: { const: "scheduled" },
          retryDates: { type: "array", items: dateTimeInput, minItems: 1, maxItems: 100 },
          retryOnVoicemail: { type: "boolean", default: true },
        },
        ["type", "retryDates"],
      ),
    ],
  },
  Program: object({
    id: uuid,
    name: text(200),
    description: nullable(text(1000)),
    status: { type: "string", enum: ["draft", "active", "archived"] },
    audienceId: uuid,
    flowId: uuid,
    startAt: nullable(instant),
    stopAt: nullable(instant),
    retryStrategy: ref("RetryStrategy"),
    maxConcurrentCalls: { type: "integer", minimum: 1, maximum: MAX_CONCURRENT_CALLS },
    createdAt: instant,
    updatedAt: instant,
  }),
  ProgramInput: object(
    {
      name: text(200),
      description: nullable(text(1000)),
      audienceId: uuid,
      flowId: uuid,
      startAt: nullable(dateTimeInput),
      stopAt: nullable(dateTimeInput),
      retryStrategy: ref("RetryStrategy"),
      maxConcurrentCalls: { type: "integer", minimum: 1, maximum: MAX_CONCURRENT_CALLS, default: 10 },
    },
    ["name", "audienceId", "flowId"],
  ),
  ProgramUpdate: object(
    {
      name: text(200),
      description: nullable(text(1000)),
      audienceId: uuid,
      flowId: uuid,
      startAt: nullable(dateTimeInput),
      stopAt: nullable(dateTimeInput),
      retryStrategy: ref("RetryStrategy"),
      maxConcurrentCalls: { type: "integer", minimum: 1, maximum: MAX_CONCURRENT_CALLS },
      status: { type: "string", enum: ["draft", "active", "archived"], description: "archived archives the program" },
    },
    [],
  ),
  FlowNode: object({
    id: { type: "string" },
    type: { type: "string", enum: [...NODE_TYPES] },
    label: { type: ["string", "null"] },
    config: { type: "object" },
    outputs: { type: "object", additionalProperties: { type: "string" }, description: "output name → node id" },
  }),
  FlowNodeInput: object(
    {
      id: { type: "string" },
      type: { type: "string", enum: [...NODE_TYPES] },
      label: { type: ["string", "null"] },
      config: { type: ["object", "null"] },
      outputs: { type: ["object", "null"], additionalProperties: { type: "string" } },
    },
    ["id", "type"],
  ),
  Flow: object({
    id: uuid,
    name: text(200),
    version: { type: "integer", minimum: 1 },
    startNodeId: { type: "string" },
    nodes: { type: "array", items: ref("FlowNode") },
    createdAt: instant,
    updatedAt: instant,
  }),
  FlowInput: object({
    name: text(200),
    startNodeId: { type: "string", description: "the flow's one dial node" },
    nodes: { type: "array", items: ref("FlowNodeInput"), minItems: 1 },
  }),
  Contact: object({
    id: uuid,
    primaryPhone: e164,
    firstName: nullable(text(100)),
    lastName: nullable(text(100)),
    primaryEmail: nullable(text(254)),
    customAttributes: { type: "object" },
    createdAt: instant,
    updatedAt: instant,
  }),
  ContactInput: object(
    {
      primaryPhone: e164,
      firstName: nullable(text(100)),
      lastName: nullable(text(100)),
      primaryEmail: nullable({ type: "string", format: "email", maxLength: 254 }),
      customAttributes: { type: ["object", "null"] },
    },
    ["primaryPhone"],
  ),
  ContactUpdate: object(
    {
      primaryPhone: e164,
      firstName: nullable(text(100)),
      lastName: nullable(text(100)),
      primaryEmail: nullable({ type: "string", format: "email", maxLength: 254 }),
      customAttributes: { type: ["object", "null"] },
    },
    [],
  ),
  ContactUpsertRequest: object({ data: { type: "array", items: ref("ContactInput"), minItems: 1, maxItems: 10_000 } }),
  ContactUpsertResponse: object({ data: { type: "array", items: ref("Contact"), description: "in request order" } }),
  Audience: object({
    id: uuid,
    name: text(200),
    description: nullable(text(1000)),
    contactCount: count,
    createdAt: instant,
    updatedAt: instant,
  }),
  AudienceInput: object({ name: text(200), description: nullable(text(1000)) }, ["name"]),
  AudienceUpdate: object({ name: text(200), description: nullable(text(1000)) }, []),
  ContactIds: object({ contacts: { type: "array", items: uuid, minItems: 1, maxItems: 10_000 } }),
};
for (const item of ["ProgramExecution", "ExecutionContact", "CallAttempt", "Program", "Flow", "Contact", "Audience"]) {
  schemas[`${item}Page`] = object({ data: { type: "array", items: ref(item) }, meta: ref("PageMeta") });
}

/** One response per HTTP status of ERROR_TABLE, its `error` names listed. */
const errorResponses: Record<string, Schema> = {};
for (const status of [...new Set(Object.values(ERROR_TABLE).map((e) => e.http))]) {
  const names = Object.values(ERROR_TABLE)
    .filter((e) => e.http === status)
    .map((e) => e.rest);
  errorResponses[`Error${status}`] = {
    description: names.join(", "),
    ...(status === 405 ? { headers: { Allow: { schema: { type: "string" }, description: "the methods the path supports" } } } : {}),
    content: {
      "application/json": {
        schema: { allOf: [ref("Error"), { type: "object", properties: { error: { type: "string", enum: names } } }] },
      },
    },
  };
}

const idParam = (what: string): Schema => ({
  name: "id",
  in: "path",
  required: true,
  description: `${what} id (an unknown or malformed id, or another organization's, answers 404)`,
  schema: { type: "string" },
});
const pageParams: Schema[] = [
  { name: "page", in: "query", schema: { type: "integer", minimum: 1, default: 1 } },
  { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_LIMIT, default: 20 } },
];

interface Op {
  summary: string;
  id: string;
  tag: string;
  params?: Schema[];
  body?: { schema: string; required?: boolean };
  status: 200 | 201;
  result: string;
  /** Error statuses beyond the ones every operation may answer. */
  errors?: number[];
}

/** Statuses any operation may answer: bad input (query, JSON), key, unknown id or path, method, body size and type. */
const COMMON_ERRORS = [400, 401, 404, 405, 413, 415, 500];

function operation(op: Op): Schema {
  const responses: Record<string, Schema> = {
    [op.status]: { description: op.summary, content: { "application/json": { schema: ref(op.result) } } },
  };
  for (const s of [...COMMON_ERRORS, ...(op.errors ?? [])].sort()) responses[s] = { $ref: `#/components/responses/Error${s}` };
  return {
    operationId: op.id,
    summary: op.summary,
    tags: [op.tag],
    ...(op.params ? { parameters: op.params } : {}),
    ...(op.body
      ? { requestBody: { required: op.body.required ?? true, content: { "application/json": { schema: ref(op.body.schema) } } } }
      : {}),
    responses,
  };
}

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Voicecast REST gateway",
    version: "0.1.0",
    description:
      "Outbound voice-call campaigns for curl users. Send the API key in `x-api-key` (or `Authorization: Bearer`). " +
      "Errors are JSON `{ error, message }`; see CONTRACT.md §5.",
  },
  servers: [{ url: "http://localhost:4000" }],
  security: [{ apiKey: [] }, { bearer: [] }],
  tags: ["Executions", "Programs", "Flows", "Contacts", "Audiences", "Meta"].map((name) => ({ name })),
  paths: {
    "/api/openapi.json": {
      get: {
        operationId: "getOpenApiDocument",
        summary: "This document (no key needed)",
        tags: ["Meta"],
        security: [],
        responses: { 200: { description: "OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } } },
      },
    },
    "/api/programs/{id}/launch": {
      post: operation({
        id: "launchProgram",
        tag: "Executions",
        summary: "Launch a program: snapshot its audience into a new execution",
        params: [
          idParam("Program"),
          {
            name: "Idempotency-Key",
            in: "header",
            description: "Per program, kept 24 h: a repeat (even concurrent) answers 201 with the same executionId",
            schema: { type: "string", minLength: 1, maxLength: 200 },
          },
        ],
        body: { schema: "LaunchRequest", required: false },
        status: 201,
        result: "LaunchResponse",
        errors: [409],
      }),
    },
    "/api/program-executions": {
      get: operation({
        id: "listActiveExecutions",
        tag: "Executions",
        summary: "The organization's scheduled, running and paused executions, newest first",
        params: pageParams,
        status: 200,
        result: "ProgramExecutionPage",
      }),
    },
    "/api/program-executions/{id}": {
      get: operation({ id: "getExecution", tag: "Executions", summary: "An execution and its progress counters", params: [idParam("Execution")], status: 200, result: "ProgramExecution" }),
      delete: operation({
        id: "cancelExecution",
        tag: "Executions",
        summary: "Cancel: pending contacts are skipped, calls in progress finish",
        params: [idParam("Execution")],
        status: 200,
        result: "ProgramExecution",
        errors: [409],
      }),
    },
    "/api/program-executions/{id}/pause": {
      patch: operation({ id: "pauseExecution", tag: "Executions", summary: "Pause (pausing a paused execution changes nothing)", params: [idParam("Execution")], status: 200, result: "ProgramExecution", errors: [409] }),
    },
    "/api/program-executions/{id}/resume": {
      patch: operation({ id: "resumeExecution", tag: "Executions", summary: "Resume a paused execution", params: [idParam("Execution")], status: 200, result: "ProgramExecution", errors: [409] }),
    },
    "/api/program-executions/{id}/contacts": {
      get: operation({
        id: "listExecutionContacts",
        tag: "Executions",
        summary: "The execution's audience snapshot, e.g. ?status=failed to review failures",
        params: [
          idParam("Execution"),
          { name: "status", in: "query", schema: { type: "string", enum: ["pending", "inProgress", "completed", "failed", "skipped"] } },
          ...pageParams,
        ],
        status: 200,
        result: "ExecutionContactPage",
      }),
    },
    "/api/program-executions/{id}/calls": {
      get: operation({
        id: "listCallAttempts",
        tag: "Executions",
        summary: "The execution's call attempts, newest first",
        params: [idParam("Execution"), { name: "contactId", in: "query", schema: { type: "string" } }, ...pageParams],
        status: 200,
        result: "CallAttemptPage",
      }),
    },
    "/api/programs/{id}/executions": {
      get: operation({ id: "listProgramExecutions", tag: "Executions", summary: "All of a program's executions, newest first", params: [idParam("Program"), ...pageParams], status: 200, result: "ProgramExecutionPage" }),
    },
    "/api/programs": {
      post: operation({ id: "createProgram", tag: "Programs", summary: "Create a program", body: { schema: "ProgramInput" }, status: 201, result: "Program" }),
      get: operation({ id: "listPrograms", tag: "Programs", summary: "Programs, newest first", params: pageParams, status: 200, result: "ProgramPage" }),
    },
    "/api/programs/{id}": {
      get: operation({ id: "getProgram", tag: "Programs", summary: "A program", params: [idParam("Program")], status: 200, result: "Program" }),
      patch: operation({ id: "updateProgram", tag: "Programs", summary: "Update a program (later executions use the new values)", params: [idParam("Program")], body: { schema: "ProgramUpdate" }, status: 200, result: "Program" }),
      delete: operation({ id: "deleteProgram", tag: "Programs", summary: "Delete a program without an unfinished execution", params: [idParam("Program")], status: 200, result: "Program", errors: [409] }),
    },
    "/api/flows": {
      post: operation({ id: "createFlow", tag: "Flows", summary: "Create a call flow", body: { schema: "FlowInput" }, status: 201, result: "Flow" }),
      get: operation({ id: "listFlows", tag: "Flows", summary: "Flows, newest first", params: pageParams, status: 200, result: "FlowPage" }),
    },
    "/api/flows/{id}": {
      get: operation({ id: "getFlow", tag: "Flows", summary: "A flow at its current version", params: [idParam("Flow")], status: 200, result: "Flow" }),
      put: operation({ id: "updateFlow", tag: "Flows", summary: "Replace a flow's graph: creates a new version", params: [idParam("Flow")], body: { schema: "FlowInput" }, status: 200, result: "Flow" }),
      delete: operation({ id: "deleteFlow", tag: "Flows", summary: "Delete a flow no non-archived program uses", params: [idParam("Flow")], status: 200, result: "Flow", errors: [409] }),
    },
    "/api/contact": {
      post: operation({ id: "createContact", tag: "Contacts", summary: "Create one contact (a phone already known is a ValidationError)", body: { schema: "ContactInput" }, status: 201, result: "Contact" }),
      get: operation({ id: "listContacts", tag: "Contacts", summary: "Contacts, newest first", params: pageParams, status: 200, result: "ContactPage" }),
    },
    "/api/contact/upsert": {
      post: operation({
        id: "upsertContacts",
        tag: "Contacts",
        summary: "Create or update up to 10,000 contacts matched by phone; all-or-nothing",
        body: { schema: "ContactUpsertRequest" },
        status: 200,
        result: "ContactUpsertResponse",
      }),
    },
    "/api/contact/{id}": {
      get: operation({ id: "getContact", tag: "Contacts", summary: "A contact", params: [idParam("Contact")], status: 200, result: "Contact" }),
      put: operation({ id: "updateContact", tag: "Contacts", summary: "Update a contact (fields left out keep their value)", params: [idParam("Contact")], body: { schema: "ContactUpdate" }, status: 200, result: "Contact" }),
      delete: operation({ id: "deleteContact", tag: "Contacts", summary: "Delete a contact (execution snapshots keep their copy)", params: [idParam("Contact")], status: 200, result: "Contact", errors: [409] }),
    },
    "/api/audience": {
      post: operation({ id: "createAudience", tag: "Audiences", summary: "Create an audience", body: { schema: "AudienceInput" }, status: 201, result: "Audience" }),
      get: operation({ id: "listAudiences", tag: "Audiences", summary: "Audiences, newest first", params: pageParams, status: 200, result: "AudiencePage" }),
    },
    "/api/audience/{id}": {
      get: operation({ id: "getAudience", tag: "Audiences", summary: "An audience", params: [idParam("Audience")], status: 200, result: "Audience" }),
      put: operation({ id: "updateAudience", tag: "Audiences", summary: "Update an audience", params: [idParam("Audience")], body: { schema: "AudienceUpdate" }, status: 200, result: "Audience" }),
      delete: operation({ id: "deleteAudience", tag: "Audiences", summary: "Delete an audience no non-archived program uses", params: [idParam("Audience")], status: 200, result: "Audience", errors: [409] }),
    },
    "/api/audience/{id}/add-contacts": {
      post: operation({ id: "addAudienceContacts", tag: "Audiences", summary: "Add contacts by id (present ones are ignored)", params: [idParam("Audience")], body: { schema: "ContactIds" }, status: 200, result: "Audience" }),
    },
    "/api/audience/{id}/remove-contacts": {
      post: operation({ id: "removeAudienceContacts", tag: "Audiences", summary: "Remove contacts by id", params: [idParam("Audience")], body: { schema: "ContactIds" }, status: 200, result: "Audience" }),
    },
    "/api/audience/{id}/contacts": {
      get: operation({ id: "listAudienceContacts", tag: "Audiences", summary: "The audience's contacts, most recently added first", params: [idParam("Audience"), ...pageParams], status: 200, result: "ContactPage" }),
    },
  },
  components: {
    securitySchemes: {
      apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      bearer: { type: "http", scheme: "bearer" },
    },
    schemas,
    responses: errorResponses,
  },
};
