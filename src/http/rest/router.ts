import express, { NextFunction, Request, Response, Router } from "express";
import type { Services } from "../../services";
import { DomainError, UnauthorizedError } from "../../shared/errors";
import type { Logger } from "../../shared/logger";
import { apiKeyFrom } from "../auth";
import { toRestError } from "../error-mapping";
import { labelRoute, UNMATCHED } from "../observe";
import { KeyRateLimiter, rateLimitRequests } from "../rate-limit";
import { JSON_BODY_LIMIT } from "../server";
import { openApiDocument } from "./openapi";
import { bodyObject, JSON_TYPES, queryParams, requireJsonBody } from "./request";
import { sendDownload } from "./download";
import { isDownload, type RestRoute } from "./route";
import { ROUTES } from "./routes";

// The REST gateway: routes (routes.ts) mounted on express, every answer written through its route's response schema
// (or, for a download, streamed by download.ts) and every error through the one mapping (toRestError).

export { ROUTES };

/** `/programs/{id}` → `/programs/:id` (Express 5 path syntax). */
function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

const queryNames = new Map(ROUTES.map((r) => [r, r.query ? Object.keys(r.query.shape) : []]));

function call(r: RestRoute, req: Request, res: Response) {
  return {
    org: res.locals.organizationId as string,
    id: String(req.params.id ?? req.params[r.pathParam?.name ?? "id"] ?? ""),
    query: queryParams(req, queryNames.get(r)!),
    body: r.body ? bodyObject(req) : {},
    req,
  };
}

/** Which route template a path under /api falls under (literal segments first, as the router matches them). */
function routeTemplates(): (path: string) => string {
  const compiled = [...new Set(ROUTES.map((r) => r.path))]
    .map((p) => ({ p, params: (p.match(/\{/g) ?? []).length, re: new RegExp(`^${p.replace(/\{\w+\}/g, "[^/]+")}/?$`) }))
    .sort((a, b) => a.params - b.params);
  return (path) => {
    const hit = compiled.find((c) => c.re.test(path));
    return hit ? `/api${hit.p}` : UNMATCHED;
  };
}

/** The gateway router, mounted at /api. */
export function createRestRouter(services: Services, logger: Logger, limiter: KeyRateLimiter | null = null): Router {
  const router = express.Router();
  const templateOf = routeTemplates();

  // The document describes the gateway to anyone who can reach it: no key needed.
  router.get("/openapi.json", labelRoute("/api/openapi.json"), (_req, res) => {
    res.json(openApiDocument);
  });

  // Labelled before anything can refuse the request, so refusals (401, 429, 413) count under their route too.
  router.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.route = templateOf(req.path);
    next();
  });
  router.use(rateLimitRequests(limiter));

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
        if (isDownload(r)) return sendDownload(res, await r.handle(services, call(r, req, res)), logger);
        res.status(r.status).json(r.response.parse(await r.handle(services, call(r, req, res))));
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
    const { status, body, headers } = toRestError(err, (msg, e) => logger.error({ err: e }, msg));
    res.status(status).set(headers).json(body);
  });

  return router;
}

/** The `mountRest` hook of createHttpService. */
export function restMount(services: Services, logger: Logger, limiter: KeyRateLimiter | null = null): (app: express.Express) => void {
  return (app) => {
    app.use("/api", createRestRouter(services, logger, limiter));
  };
}
