import express, { NextFunction, Request, Response, Router } from "express";
import type { Services } from "../../services";
import { DomainError, NotFoundError, UnauthorizedError, ValidationError } from "../../shared/errors";
import type { Logger } from "../../shared/logger";
import { apiKeyFrom } from "../auth";
import { toRestError } from "../error-mapping";
import { JSON_BODY_LIMIT } from "../server";
import { openApiDocument } from "./openapi";
import { bodyObject, header, JSON_TYPES, queryParams, requireJsonBody } from "./request";
import {
  audienceJson,
  callAttemptJson,
  contactJson,
  executionContactJson,
  executionJson,
  flowJson,
  pageJson,
  programJson,
} from "./serializers";

// The REST gateway of CONTRACT.md §5: each route is a thin translation onto the services GraphQL calls, so both
// doors share validation, lifecycle and tenancy rules, and errors go through the one mapping (toRestError).

export type Method = "get" | "post" | "put" | "patch" | "delete";

interface Call {
  org: string;
  id: string;
  req: Request;
}

export interface RestRoute {
  method: Method;
  /** OpenAPI-style path under /api, e.g. `/programs/{id}/launch`. */
  path: string;
  /** Success status. */
  status: 200 | 201;
  handle(s: Services, call: Call): Promise<unknown>;
}

const PAGE = ["page", "limit"] as const;

function found<T>(value: T | null, kind: ConstructorParameters<typeof NotFoundError>[0], id: string): T {
  if (value === null) throw new NotFoundError(kind, id);
  return value;
}

/** Every route of the gateway; the OpenAPI document is checked against this table in the tests. */
export const ROUTES: RestRoute[] = [
  // Executions
  {
    method: "post",
    path: "/programs/{id}/launch",
    status: 201,
    async handle(s, { org, id, req }) {
      const body = bodyObject(req);
      if ("idempotencyKey" in body) throw new ValidationError("send it as the Idempotency-Key header", "idempotencyKey");
      const key = header(req, "idempotency-key");
      const execution = await s.executions.launch(org, id, { ...body, ...(key !== undefined ? { idempotencyKey: key } : {}) });
      return { executionId: execution.id };
    },
  },
  { method: "get", path: "/program-executions", status: 200, handle: async (s, { org, req }) => pageJson(await s.executions.list(org, { ...queryParams(req, PAGE), activeOnly: true }), executionJson) },
  { method: "get", path: "/program-executions/{id}", status: 200, handle: async (s, { org, id }) => executionJson(await s.executions.mustGet(org, id)) },
  { method: "patch", path: "/program-executions/{id}/pause", status: 200, handle: async (s, { org, id }) => executionJson(await s.executions.pause(org, id)) },
  { method: "patch", path: "/program-executions/{id}/resume", status: 200, handle: async (s, { org, id }) => executionJson(await s.executions.resume(org, id)) },
  { method: "delete", path: "/program-executions/{id}", status: 200, handle: async (s, { org, id }) => executionJson(await s.executions.cancel(org, id)) },
  {
    method: "get",
    path: "/program-executions/{id}/contacts",
    status: 200,
    handle: async (s, { org, id, req }) => pageJson(await s.executions.listContacts(org, id, queryParams(req, ["status", ...PAGE])), executionContactJson),
  },
  {
    method: "get",
    path: "/program-executions/{id}/calls",
    status: 200,
    handle: async (s, { org, id, req }) => pageJson(await s.executions.listCallAttempts(org, id, queryParams(req, ["contactId", ...PAGE])), callAttemptJson),
  },
  {
    method: "get",
    path: "/programs/{id}/executions",
    status: 200,
    async handle(s, { org, id, req }) {
      const query = queryParams(req, PAGE);
      found(await s.programs.getProgram(org, id), "Program", id);
      return pageJson(await s.executions.list(org, { ...query, programId: id }), executionJson);
    },
  },

  // Programs
  { method: "post", path: "/programs", status: 201, handle: async (s, { org, req }) => programJson(await s.programs.createProgram(org, bodyObject(req))) },
  { method: "get", path: "/programs", status: 200, handle: async (s, { org, req }) => pageJson(await s.programs.listPrograms(org, queryParams(req, PAGE)), programJson) },
  { method: "get", path: "/programs/{id}", status: 200, handle: async (s, { org, id }) => programJson(found(await s.programs.getProgram(org, id), "Program", id)) },
  { method: "patch", path: "/programs/{id}", status: 200, handle: async (s, { org, id, req }) => programJson(await s.programs.updateProgram(org, id, bodyObject(req))) },
  { method: "delete", path: "/programs/{id}", status: 200, handle: async (s, { org, id }) => programJson(await s.programs.deleteProgram(org, id)) },

  // Flows
  { method: "post", path: "/flows", status: 201, handle: async (s, { org, req }) => flowJson(await s.flows.createFlow(org, bodyObject(req))) },
  { method: "get", path: "/flows", status: 200, handle: async (s, { org, req }) => pageJson(await s.flows.listFlows(org, queryParams(req, PAGE)), flowJson) },
  { method: "get", path: "/flows/{id}", status: 200, handle: async (s, { org, id }) => flowJson(found(await s.flows.getFlow(org, id), "Flow", id)) },
  { method: "put", path: "/flows/{id}", status: 200, handle: async (s, { org, id, req }) => flowJson(await s.flows.updateFlow(org, id, bodyObject(req))) },
  { method: "delete", path: "/flows/{id}", status: 200, handle: async (s, { org, id }) => flowJson(await s.flows.deleteFlow(org, id)) },

  // Contacts
  { method: "post", path: "/contact", status: 201, handle: async (s, { org, req }) => contactJson(await s.contacts.createContact(org, bodyObject(req))) },
  {
    method: "post",
    path: "/contact/upsert",
    status: 200,
    async handle(s, { org, req }) {
      const { data } = bodyObject(req);
      if (data === undefined) throw new ValidationError('is required: send { "data": [ { "primaryPhone": "+14155550123" }, … ] }', "data");
      return { data: (await s.contacts.upsertContacts(org, data, "data")).map(contactJson) };
    },
  },
  { method: "get", path: "/contact", status: 200, handle: async (s, { org, req }) => pageJson(await s.contacts.listContacts(org, queryParams(req, PAGE)), contactJson) },
  { method: "get", path: "/contact/{id}", status: 200, handle: async (s, { org, id }) => contactJson(found(await s.contacts.getContact(org, id), "Contact", id)) },
  { method: "put", path: "/contact/{id}", status: 200, handle: async (s, { org, id, req }) => contactJson(await s.contacts.updateContact(org, id, bodyObject(req))) },
  { method: "delete", path: "/contact/{id}", status: 200, handle: async (s, { org, id }) => contactJson(await s.contacts.deleteContact(org, id)) },

  // Audiences
  { method: "post", path: "/audience", status: 201, handle: async (s, { org, req }) => audienceJson(await s.audiences.createAudience(org, bodyObject(req))) },
  { method: "get", path: "/audience", status: 200, handle: async (s, { org, req }) => pageJson(await s.audiences.listAudiences(org, queryParams(req, PAGE)), audienceJson) },
  { method: "get", path: "/audience/{id}", status: 200, handle: async (s, { org, id }) => audienceJson(found(await s.audiences.getAudience(org, id), "Audience", id)) },
  { method: "put", path: "/audience/{id}", status: 200, handle: async (s, { org, id, req }) => audienceJson(await s.audiences.updateAudience(org, id, bodyObject(req))) },
  { method: "delete", path: "/audience/{id}", status: 200, handle: async (s, { org, id }) => audienceJson(await s.audiences.deleteAudience(org, id)) },
  {
    method: "post",
    path: "/audience/{id}/add-contacts",
    status: 200,
    handle: async (s, { org, id, req }) => audienceJson(await s.audiences.addContacts(org, id, bodyObject(req).contacts, "contacts")),
  },
  {
    method: "post",
    path: "/audience/{id}/remove-contacts",
    status: 200,
    handle: async (s, { org, id, req }) => audienceJson(await s.audiences.removeContacts(org, id, bodyObject(req).contacts, "contacts")),
  },
  {
    method: "get",
    path: "/audience/{id}/contacts",
    status: 200,
    handle: async (s, { org, id, req }) => pageJson(await s.audiences.listMembers(org, id, queryParams(req, PAGE)), contactJson),
  },
];

/** `/programs/{id}` → `/programs/:id` (Express 5 path syntax). */
function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/** The gateway router, mounted at /api. */
export function createRestRouter(services: Services, logger: Logger): Router {
  const router = express.Router();

  // The document describes the gateway to anyone who can reach it: no key needed.
  router.get("/openapi.json", (_req, res) => {
    res.json(openApiDocument);
  });

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const organizationId = await services.organizations.authenticate(apiKeyFrom(req.headers));
    if (!organizationId) throw new UnauthorizedError("Missing, unknown or revoked API key: send it in the x-api-key header");
    res.locals.organizationId = organizationId;
    next();
  });
  // Bodies are read only after the key checks out, and only JSON ones.
  router.use(requireJsonBody, express.json({ limit: JSON_BODY_LIMIT, type: JSON_TYPES }));

  const byPath = new Map<string, RestRoute[]>();
  for (const r of ROUTES) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
  for (const [path, routes] of byPath) {
    const route = router.route(expressPath(path));
    for (const r of routes) {
      route[r.method](async (req: Request, res: Response) => {
        const result = await r.handle(services, { org: res.locals.organizationId as string, id: String(req.params.id ?? ""), req });
        res.status(r.status).json(result);
      });
    }
    const allow = routes.map((r) => r.method.toUpperCase()).join(", ");
    route.all((req: Request, res: Response) => {
      res.set("Allow", allow);
      throw new DomainError("METHOD_NOT_ALLOWED", `${req.method} is not supported on /api${path}; use ${allow}`);
    });
  }

  router.use((req: Request) => {
    throw new DomainError("NOT_FOUND", `No route ${req.method} ${req.originalUrl.split("?")[0]}; the routes are listed at GET /api/openapi.json`);
  });

  // Everything under /api answers JSON `{ error, message }`, never Express's HTML error page.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const { status, body } = toRestError(err, (msg, e) => logger.error({ err: e }, msg));
    res.status(status).json(body);
  });

  return router;
}

/** The `mountRest` hook of createHttpService. */
export function restMount(services: Services, logger: Logger): (app: express.Express) => void {
  return (app) => {
    app.use("/api", createRestRouter(services, logger));
  };
}
