import type { Request } from "express";
import type { z } from "zod";
import type { Services } from "../../services";
import { NotFoundError } from "../../shared/errors";

// A route of the REST gateway is a thin translation onto the services GraphQL calls, so both doors share validation,
// lifecycle and tenancy rules. A route names its schemas: the router reads the query parameters it lists and the
// body when it has one, and writes the answer through `response`; the OpenAPI document is generated from the same
// routes. Each feature lists its routes next to its resolver (`<feature>.routes.ts`); routes.ts gathers them.

export type Method = "get" | "post" | "put" | "patch" | "delete";
export type Tag = "Executions" | "Programs" | "Flows" | "Contacts" | "Audiences" | "DIDs" | "Organization" | "Do-not-call" | "Webhooks";
export type IdKind = ConstructorParameters<typeof NotFoundError>[0];

export interface Call {
  org: string;
  /** The path's `{id}` (or its `pathParam`; "" when the path has none). */
  id: string;
  /** The query parameters the route lists, as single strings. */
  query: Record<string, string | undefined>;
  /** The JSON body as an object ({} when none was sent); only for routes with a body. */
  body: Record<string, unknown>;
  req: Request;
}

export interface RestRoute<R extends z.ZodType = z.ZodType> {
  method: Method;
  /** OpenAPI-style path under /api, e.g. `/programs/{id}/launch`. */
  path: string;
  operationId: string;
  tag: Tag;
  /** One line: what the operation does (the same words as its GraphQL operation). */
  summary: string;
  /** What the summary leaves out, when anything. */
  description?: string;
  /** What the path's `{id}` names. */
  id?: IdKind;
  /** A path parameter other than `{id}` (its value comes as `id` to `handle`), with its description. */
  pathParam?: { name: string; description: string };
  query?: z.ZodObject;
  /** Request headers the operation reads. */
  headers?: Record<string, z.ZodType>;
  body?: { schema: z.ZodType; required: boolean };
  /** Success status. */
  status: 200 | 201;
  /** The answer's schema: it serializes what `handle` returns (dates to ISO strings, internal fields left out). */
  response: R;
  /** Error statuses beyond the ones every operation may answer (409 for conflicts). */
  errors?: number[];
  handle(s: Services, call: Call): Promise<z.input<R>>;
}

/** A route, its `handle` typed against its own response schema. */
export const route = <R extends z.ZodType>(r: RestRoute<R>): RestRoute => r as unknown as RestRoute;

/** The object, or the kind's NotFoundError. */
export function found<T>(value: T | null, kind: IdKind, id: string): T {
  if (value === null) throw new NotFoundError(kind, id);
  return value;
}

export const CONFLICT = 409;
