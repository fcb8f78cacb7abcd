import { GraphQLError, GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { DomainError, ERROR_TABLE } from "../shared/errors";

// The one place errors become HTTP statuses, REST bodies and GraphQL codes (CONTRACT.md §5 table).

export interface RestError {
  status: number;
  body: { error: string; message: string; details?: unknown };
}

type Log = (msg: string, err: unknown) => void;

export function toRestError(err: unknown, log: Log): RestError {
  if (err instanceof DomainError) {
    const entry = ERROR_TABLE[err.code];
    const body: RestError["body"] = { error: entry.rest, message: err.message };
    if (err.details) body.details = err.details;
    return { status: entry.http, body };
  }
  const http = fromHttpLayer(err);
  if (http) return toRestError(http, log);
  log("unexpected error", err);
  return { status: 500, body: { error: "InternalError", message: "Internal server error" } };
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
      return new DomainError("BAD_USER_INPUT", `The request body is not valid JSON: ${message}`);
    case "entity.too.large":
      return new DomainError("PAYLOAD_TOO_LARGE", `The request body is larger than the limit of ${e.limit} bytes`);
  }
  if (e.status === 413) return new DomainError("PAYLOAD_TOO_LARGE", message);
  if (e.status === 415) return new DomainError("UNSUPPORTED_MEDIA_TYPE", message);
  return new DomainError("BAD_USER_INPUT", message);
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
