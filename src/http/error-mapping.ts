import { GraphQLError, GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { DomainError, ERROR_TABLE, ErrorCode, RetryLaterError } from "../shared/errors";

// The one place errors become HTTP statuses, REST bodies and GraphQL codes (the table in shared/errors.ts).

export interface RestError {
  status: number;
  body: { error: string; message: string; details?: unknown };
  /** Response headers that go with it (`Retry-After`). */
  headers: Record<string, string>;
}

type Log = (msg: string, err: unknown) => void;

export function toRestError(err: unknown, log: Log): RestError {
  const domain = toDomainError(err, log);
  const entry = ERROR_TABLE[domain.code];
  const body: RestError["body"] = { error: entry.rest, message: domain.message };
  if (domain.details) body.details = domain.details;
  return { status: entry.http, body, headers: retryHeaders(domain) };
}

/**
 * The same error in GraphQL's shape, for what fails before Apollo runs (body parsing, size, rate limit) on
 * `/graphql`: `{ errors: [{ message, extensions: { code } }] }` with the table's HTTP status.
 */
export function toGraphQLHttpError(err: unknown, log: Log): { status: number; body: { errors: GraphQLFormattedError[] }; headers: Record<string, string> } {
  const domain = toDomainError(err, log);
  return {
    status: ERROR_TABLE[domain.code].http,
    body: { errors: [{ message: domain.message, extensions: { code: domain.code } }] },
    headers: retryHeaders(domain),
  };
}

/** A domain error as the GraphQLError Apollo and graphql-ws send (e.g. raised while authenticating a request). */
export function toGraphQLError(err: DomainError): GraphQLError {
  const http = err instanceof RetryLaterError ? err.extensions.http : { status: ERROR_TABLE[err.code].http };
  return new GraphQLError(err.message, { extensions: { code: err.code, http } });
}

function retryHeaders(err: DomainError): Record<string, string> {
  return err instanceof RetryLaterError ? { "Retry-After": String(err.retryAfterSeconds) } : {};
}

/** Domain errors as they are; the client's HTTP mistakes as theirs; anything else masked (and logged once, here). */
function toDomainError(err: unknown, log: Log): DomainError {
  if (err instanceof DomainError) return err;
  const http = fromHttpLayer(err);
  if (http) return http;
  log("unexpected error", err);
  return new DomainError("INTERNAL_SERVER_ERROR", "Internal server error");
}

/**
 * Errors express.json (body-parser) and the router raise for a bad request carry a 4xx `status` (http-errors style):
 * they are the client's mistake, never a 5xx. Their messages describe the request only (no internals).
 */
function fromHttpLayer(err: unknown): DomainError | null {
  const e = err as { status?: unknown; type?: unknown; message?: unknown; limit?: unknown } | null;
  if (!e || typeof e.status !== "number" || e.status < 400 || e.status > 499) return null;
  const message = typeof e.message === "string" ? e.message : "Bad request";
  switch (e.type) {
    case "entity.parse.failed":
      return new DomainError("BAD_REQUEST", `The request body is not valid JSON: ${message}`);
    case "entity.too.large":
      return new DomainError("PAYLOAD_TOO_LARGE", `The request body is larger than the limit of ${e.limit} bytes`);
  }
  const byStatus: Partial<Record<number, ErrorCode>> = { 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE" };
  return new DomainError(byStatus[e.status] ?? "BAD_REQUEST", message);
}

/** Apollo `formatError`: domain errors keep their code; anything unexpected is masked and logged. */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, log: Log): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: original.code, ...(original.details ? (original.details as object) : {}) },
    };
  }
  const code = formatted.extensions?.code;
  // Errors graphql-js and Apollo raise for a bad request (parse, validation, variable coercion) are the client's.
  if (code && code !== "INTERNAL_SERVER_ERROR") return formatted;
  if (original instanceof GraphQLError && !original.originalError) {
    return { ...formatted, extensions: { ...formatted.extensions, code: "BAD_USER_INPUT" } };
  }
  log("unexpected error in GraphQL operation", original);
  return { message: "Internal server error", locations: formatted.locations, path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}
