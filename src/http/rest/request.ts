import type { NextFunction, Request, Response } from "express";
import { DomainError, ValidationError } from "../../shared/errors";

// Small request-parsing helpers: they only turn HTTP into the plain values services take. Every rule about what
// those values may be lives in the services, so REST and GraphQL share one set of rules.

/** Media types the gateway parses as JSON. */
export const JSON_TYPES = ["application/json", "application/*+json"];

/**
 * A request that carries a body must say it is JSON. curl's `-d` sends `application/x-www-form-urlencoded` unless
 * told otherwise; a 415 that names the header saves a confusing "field is required" further down. Requests without
 * a body (the seed's `curl -X POST …/launch`) pass untouched.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  // `Content-Length: 0` (fetch, some HTTP libraries) is no body, though type-is counts it as one.
  const length = req.headers["content-length"];
  const hasBody = req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
  if (hasBody && !req.is(JSON_TYPES)) {
    const got = req.headers["content-type"] ?? "none";
    throw new DomainError("UNSUPPORTED_MEDIA_TYPE", `The request body must be JSON: send the header "Content-Type: application/json" (got ${got})`);
  }
  next();
}

/** The JSON body as an object; no body at all is `{}` (every body of the gateway is optional or validated later). */
export function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (body === undefined) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ValidationError("must be a JSON object", "body");
  return body as Record<string, unknown>;
}

/** Query parameters as single strings (absent: undefined). `?page=1&page=2` is a mistake worth naming. */
export function queryParams<K extends string>(req: Request, names: readonly K[]): Record<K, string | undefined> {
  const out = {} as Record<K, string | undefined>;
  for (const name of names) {
    const v = req.query[name];
    if (v !== undefined && typeof v !== "string") throw new ValidationError("must be given once, as a plain value", name);
    out[name] = v;
  }
  return out;
}

/** A header given at most once, as text (absent: undefined). */
export function header(req: Request, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(", ") : v;
}
