import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { pinoHttp } from "pino-http";
import type { Logger } from "../shared/logger";
import { httpRequestObserved } from "../shared/metrics";

// One JSON log line and one metric observation per HTTP request, labelled by route template (never the raw path,
// which carries ids), with a request id the client may send (x-request-id) and always gets back.

/** The route label of a request nobody routed (an unknown path): one label, so a scan cannot create thousands. */
export const UNMATCHED = "unmatched";

/** An incoming request id is kept when it is short and plain; anything else is replaced by a fresh UUID. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Names the route template of this request for its log line and metrics (e.g. `/api/programs/{id}`). */
export function labelRoute(template: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.locals.route = template;
    next();
  };
}

function routeOf(res: ServerResponse): string {
  const route = (res as Response).locals?.route;
  return typeof route === "string" ? route : UNMATCHED;
}

function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers["x-request-id"];
  const id = typeof incoming === "string" && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader("x-request-id", id);
  return id;
}

/**
 * The first middleware of the app. The log line holds method, route, status, duration and request id only: never
 * a header (the key travels in one), the URL (it may hold a phone number) or a body. Errors themselves are logged
 * once where they are mapped, with their cause; the request line only says how the request ended.
 */
export function observeRequests(logger: Logger) {
  // At a level that drops info lines, building them would be wasted work per request.
  const lines = logger.isLevelEnabled("info")
    ? pinoHttp<IncomingMessage, ServerResponse>({
        logger,
        genReqId: requestId,
        // One child logger per request carrying only the id; the line itself is built at the end.
        quietReqLogger: true,
        quietResLogger: true,
        customAttributeKeys: { reqId: "requestId" },
        // pino-http binds the request to a child logger even when quiet; nothing of it is logged, so serialise nothing
        // (the default would copy its headers, the API key among them, for every request).
        wrapSerializers: false,
        serializers: { req: () => undefined, res: () => undefined },
        // A 503 is the database being away, logged once as such by Db: its requests are warnings, not errors.
        customLogLevel: (_req, res, err) => (err || (res.statusCode >= 500 && res.statusCode !== 503) ? "error" : res.statusCode === 503 ? "warn" : "info"),
        customSuccessMessage: () => "request",
        customErrorMessage: () => "request",
        customSuccessObject: (req, res, val: { responseTime: number }) => line(req, res, val.responseTime),
        customErrorObject: (req, res, _err, val: { responseTime: number }) => line(req, res, val.responseTime),
      })
    : null;
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once("finish", () => {
      httpRequestObserved(req.method, routeOf(res), res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    if (lines) lines(req, res, next);
    else {
      requestId(req, res);
      next();
    }
  };
}

function line(req: IncomingMessage, res: ServerResponse, durationMs: number) {
  return { method: req.method, route: routeOf(res), status: res.statusCode, durationMs };
}
