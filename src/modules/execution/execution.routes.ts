import { recordsDownload } from "../../http/rest/download";
import { CONFLICT, downloadRoute, found, route } from "../../http/rest/route";
import { header } from "../../http/rest/request";
import { ValidationError } from "../../shared/errors";
import { pageQuerySchema } from "../../shared/page.schema";
import {
  callAttemptExportSchema,
  callAttemptPageSchema,
  callAttemptsExportQuery,
  callAttemptsQuery,
  executionContactExportSchema,
  executionContactPageSchema,
  executionContactsExportQuery,
  executionContactsQuery,
  executionOps,
  executionPageSchema,
  executionSchema,
  idempotencyKeySchema,
  launchBodySchema,
  launchResultSchema,
  resumeInputSchema,
} from "./execution.schema";

/** The REST routes of executions. */
export const executionRoutes = [
  route({
    method: "post",
    path: "/programs/{id}/launch",
    operationId: "launchProgram",
    tag: "Executions",
    summary: executionOps.launch,
    description: "A start time in the past (or none) starts at once. Repeating the request with the same Idempotency-Key answers 201 with the same executionId.",
    id: "Program",
    headers: { "Idempotency-Key": idempotencyKeySchema },
    body: { schema: launchBodySchema, required: false },
    status: 201,
    response: launchResultSchema,
    errors: [CONFLICT],
    async handle(s, { org, id, body, req }) {
      if ("idempotencyKey" in body) throw new ValidationError("send it as the Idempotency-Key header", "idempotencyKey");
      const key = header(req, "idempotency-key");
      const execution = await s.executions.launch(org, id, { ...body, ...(key !== undefined ? { idempotencyKey: key } : {}) });
      return { executionId: execution.id };
    },
  }),
  route({
    method: "get",
    path: "/program-executions",
    operationId: "listActiveExecutions",
    tag: "Executions",
    summary: executionOps.listActive,
    query: pageQuerySchema,
    status: 200,
    response: executionPageSchema,
    handle: (s, { org, query }) => s.executions.list(org, { ...query, activeOnly: true }),
  }),
  route({
    method: "get",
    path: "/program-executions/{id}",
    operationId: "getExecution",
    tag: "Executions",
    summary: executionOps.get,
    id: "Execution",
    status: 200,
    response: executionSchema,
    handle: (s, { org, id }) => s.executions.mustGet(org, id),
  }),
  route({
    method: "patch",
    path: "/program-executions/{id}/pause",
    operationId: "pauseExecution",
    tag: "Executions",
    summary: executionOps.pause,
    id: "Execution",
    status: 200,
    response: executionSchema,
    errors: [CONFLICT],
    handle: (s, { org, id }) => s.executions.pause(org, id),
  }),
  route({
    method: "patch",
    path: "/program-executions/{id}/resume",
    operationId: "resumeExecution",
    tag: "Executions",
    summary: executionOps.resume,
    id: "Execution",
    body: { schema: resumeInputSchema, required: false },
    status: 200,
    response: executionSchema,
    errors: [CONFLICT],
    handle: (s, { org, id, body }) => s.executions.resume(org, id, body),
  }),
  route({
    method: "delete",
    path: "/program-executions/{id}",
    operationId: "cancelExecution",
    tag: "Executions",
    summary: executionOps.cancel,
    id: "Execution",
    status: 200,
    response: executionSchema,
    errors: [CONFLICT],
    handle: (s, { org, id }) => s.executions.cancel(org, id),
  }),
  route({
    method: "get",
    path: "/program-executions/{id}/contacts",
    operationId: "listExecutionContacts",
    tag: "Executions",
    summary: executionOps.contacts,
    id: "Execution",
    query: executionContactsQuery,
    status: 200,
    response: executionContactPageSchema,
    handle: (s, { org, id, query }) => s.executions.listContacts(org, id, query),
  }),
  route({
    method: "get",
    path: "/program-executions/{id}/calls",
    operationId: "listCallAttempts",
    tag: "Executions",
    summary: executionOps.calls,
    id: "Execution",
    query: callAttemptsQuery,
    status: 200,
    response: callAttemptPageSchema,
    handle: (s, { org, id, query }) => s.executions.listCallAttempts(org, id, query),
  }),
  downloadRoute({
    method: "get",
    path: "/program-executions/{id}/contacts/export",
    operationId: "exportExecutionContacts",
    tag: "Executions",
    summary: executionOps.exportContacts,
    description:
      "Streamed as it is read, however many contacts: the contacts listing's rows and order without pages. A bad format answers a JSON ValidationError before any byte of the file.",
    id: "Execution",
    query: executionContactsExportQuery,
    status: 200,
    download: { description: "The execution's contacts, one record per contact", record: executionContactExportSchema },
    async handle(s, { org, id, query }) {
      const { format, columns, chunks } = await s.exports.contacts(org, id, query);
      return recordsDownload(format, `execution-${id}-contacts`, columns, chunks);
    },
  }),
  downloadRoute({
    method: "get",
    path: "/program-executions/{id}/calls/export",
    operationId: "exportCallAttempts",
    tag: "Executions",
    summary: executionOps.exportCalls,
    description:
      "Streamed as it is read, however many attempts: the call attempts listing's rows and order without pages (path and variables left out). A bad format answers a JSON ValidationError before any byte of the file.",
    id: "Execution",
    query: callAttemptsExportQuery,
    status: 200,
    download: { description: "The execution's call attempts, one record per attempt", record: callAttemptExportSchema },
    async handle(s, { org, id, query }) {
      const { format, columns, chunks } = await s.exports.calls(org, id, query);
      return recordsDownload(format, `execution-${id}-calls`, columns, chunks);
    },
  }),
  route({
    method: "get",
    path: "/programs/{id}/executions",
    operationId: "listProgramExecutions",
    tag: "Executions",
    summary: executionOps.listOfProgram,
    id: "Program",
    query: pageQuerySchema,
    status: 200,
    response: executionPageSchema,
    async handle(s, { org, id, query }) {
      found(await s.programs.getProgram(org, id), "Program", id);
      return s.executions.list(org, { ...query, programId: id });
    },
  }),
];
