// Typed domain errors and the one table that maps them to REST `error` names, HTTP statuses and GraphQL codes.

export const ERROR_TABLE = {
  BAD_USER_INPUT: { rest: "ValidationError", http: 400 },
  UNAUTHENTICATED: { rest: "UnauthorizedError", http: 401 },
  PROGRAM_NOT_FOUND: { rest: "ProgramNotFoundError", http: 404 },
  EXECUTION_NOT_FOUND: { rest: "ExecutionNotFoundError", http: 404 },
  FLOW_NOT_FOUND: { rest: "FlowNotFoundError", http: 404 },
  AUDIENCE_NOT_FOUND: { rest: "AudienceNotFoundError", http: 404 },
  CONTACT_NOT_FOUND: { rest: "ContactNotFoundError", http: 404 },
  EXECUTION_ALREADY_RUNNING: { rest: "ExecutionAlreadyRunningError", http: 400 },
  AUDIENCE_EMPTY: { rest: "AudienceEmptyError", http: 400 },
  INVALID_EXECUTION_STATE: { rest: "InvalidExecutionStateError", http: 409 },
  PROGRAM_STATUS_CONFLICT: { rest: "ProgramStatusConflictError", http: 409 },
  RESOURCE_IN_USE: { rest: "ResourceInUseError", http: 409 },
  DID_NOT_FOUND: { rest: "DidNotFoundError", http: 404 },
  DNC_NUMBER_NOT_FOUND: { rest: "DncNumberNotFoundError", http: 404 },
  WEBHOOK_NOT_FOUND: { rest: "WebhookNotFoundError", http: 404 },
  DID_NOT_ACTIVE: { rest: "DidNotActiveError", http: 400 },
  EMPTY_DID_POOL: { rest: "EmptyDidPoolError", http: 400 },
  DID_ALREADY_EXISTS: { rest: "DidAlreadyExistsError", http: 409 },
  // A carrier webhook without a valid signature (never a GraphQL error).
  FORBIDDEN: { rest: "ForbiddenError", http: 403 },
  NOT_FOUND: { rest: "NotFoundError", http: 404 },
  RATE_LIMITED: { rest: "RateLimitedError", http: 429 },
  SERVICE_UNAVAILABLE: { rest: "ServiceUnavailableError", http: 503 },
  // Transport errors (unknown method on a route, a body that is not JSON, too large or unreadable); GraphQL answers
  // them in its own shape with the same code, e.g. BAD_REQUEST (Apollo's name) for a body that is not valid JSON.
  BAD_REQUEST: { rest: "ValidationError", http: 400 },
  METHOD_NOT_ALLOWED: { rest: "MethodNotAllowedError", http: 405 },
  PAYLOAD_TOO_LARGE: { rest: "PayloadTooLargeError", http: 413 },
  UNSUPPORTED_MEDIA_TYPE: { rest: "UnsupportedMediaTypeError", http: 415 },
  INTERNAL_SERVER_ERROR: { rest: "InternalError", http: 500 },
} as const;

export type ErrorCode = keyof typeof ERROR_TABLE;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = ERROR_TABLE[code].rest;
  }
}

/**
 * A refusal the client should retry later: answered with `Retry-After` (seconds) on REST and on GraphQL over HTTP.
 * `extensions.http` is how Apollo Server takes a status and headers from an error raised while a request runs
 * (graphql-js copies an original error's `extensions` onto the GraphQL error it wraps it in).
 */
export abstract class RetryLaterError extends DomainError {
  readonly extensions: { http: { status: number; headers: Map<string, string> } };

  constructor(
    code: "RATE_LIMITED" | "SERVICE_UNAVAILABLE",
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
    this.extensions = { http: { status: ERROR_TABLE[code].http, headers: new Map([["retry-after", String(retryAfterSeconds)]]) } };
  }
}

/** Over the per-key request rate. */
export class RateLimitedError extends RetryLaterError {
  constructor(limitPerSecond: number, retryAfterSeconds: number) {
    super("RATE_LIMITED", `Too many requests: at most ${limitPerSecond} per second per API key; retry after ${retryAfterSeconds} s`, retryAfterSeconds);
  }
}

/** Too many WebSocket operations open at once for one connection or one key: refused until some of them end. */
export class TooManyOperationsError extends DomainError {
  constructor(message: string) {
    super("RATE_LIMITED", message);
  }
}

/** The database cannot be reached; `cause` keeps the driver's error for the log, never for the client. */
export class ServiceUnavailableError extends RetryLaterError {
  constructor(cause: unknown, retryAfterSeconds = 5) {
    super("SERVICE_UNAVAILABLE", `The database cannot be reached right now; retry after ${retryAfterSeconds} s`, retryAfterSeconds);
    this.cause = cause;
  }
}

export interface FieldProblem {
  /** path of the bad field, e.g. `retryStrategy.maxRetries` or `contacts[3].primaryPhone` */
  field: string;
  message: string;
}

/** Bad input. The message names every bad field; `problems` lists them one by one. */
export class ValidationError extends DomainError {
  readonly problems: FieldProblem[];
  constructor(problems: FieldProblem[] | string, field?: string) {
    const list = typeof problems === "string" ? [{ field: field ?? "input", message: problems }] : problems;
    super("BAD_USER_INPUT", list.map((p) => `${p.field}: ${p.message}`).join("; "), { problems: list });
    this.problems = list;
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = "Missing, unknown or revoked API key") {
    super("UNAUTHENTICATED", message);
  }
}

export class NotFoundError extends DomainError {
  constructor(
    kind: "Program" | "Execution" | "Flow" | "Audience" | "Contact" | "Did" | "Webhook",
    id: string,
  ) {
    const code = `${kind.toUpperCase()}_NOT_FOUND` as ErrorCode;
    super(code, `${kind} ${id} not found`);
  }
}

export class ExecutionAlreadyRunningError extends DomainError {
  constructor() {
    super("EXECUTION_ALREADY_RUNNING", "Program already has a running execution");
  }
}

export class AudienceEmptyError extends DomainError {
  constructor(audienceId: string, message = `Audience ${audienceId} has no contacts`) {
    super("AUDIENCE_EMPTY", message);
  }
}

export class InvalidExecutionStateError extends DomainError {
  constructor(action: string, status: string) {
    super("INVALID_EXECUTION_STATE", `Cannot ${action} an execution that is ${status}`);
  }
}

export class ProgramStatusConflictError extends DomainError {
  constructor(message: string) {
    super("PROGRAM_STATUS_CONFLICT", message);
  }
}

export class ResourceInUseError extends DomainError {
  constructor(message: string) {
    super("RESOURCE_IN_USE", message);
  }
}
