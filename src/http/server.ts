import { createServer, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import express, { NextFunction, Request, Response } from "express";
import { GraphQLError, GraphQLSchema } from "graphql";
import type { Db } from "../db/db";
import type { ExecutionFeeds } from "../pubsub/execution-feeds";
import type { Services } from "../services";
import { DomainError } from "../shared/errors";
import type { Logger } from "../shared/logger";
import { METRICS_CONTENT_TYPE, metricsText } from "../shared/metrics";
import { apiKeyFrom } from "./auth";
import { mountDashboard } from "./dashboard";
import { formatGraphQLError, toGraphQLError, toGraphQLHttpError, toRestError } from "./error-mapping";
import type { GraphQLContext } from "./graphql-context";
import { costLimitPlugin, depthRule, MAX_TOKENS } from "./graphql-limits";
import { createGraphQLWebSocket } from "./graphql-ws";
import { labelRoute, observeRequests } from "./observe";
import { KeyRateLimiter, rateLimitRequests } from "./rate-limit";

export interface HttpDeps {
  schema: GraphQLSchema;
  services: Services;
  db: Db;
  logger: Logger;
  /** Extra readiness checks (Redis) by name. */
  readiness?: Record<string, () => Promise<boolean>>;
  /** Mounts the REST gateway on the app (under /api). */
  mountRest?: (app: express.Express) => void;
  /** Mounts a carrier's webhooks (under /telephony). */
  mountTelephony?: (app: express.Express) => void;
  /** The live feeds GraphQL subscriptions read from. */
  live?: ExecutionFeeds;
  /** Per-key request rate (null: no limit). */
  limiter?: KeyRateLimiter | null;
  /** One log line and one metric observation per request (default true). */
  observeRequests?: boolean;
}

export interface HttpService {
  server: Server;
  listen(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

/** Max body of any request: a 10,000-contact bulk upsert fits with room to spare. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const JSON_BODY_LIMIT = MAX_BODY_BYTES;
/** A readiness check that has not answered by then counts as failed (a dead TCP peer can take minutes). */
const READINESS_TIMEOUT_MS = 2000;

export async function createHttpService(deps: HttpDeps): Promise<HttpService> {
  const { schema, services, logger } = deps;
  const limiter = deps.limiter ?? null;
  const logError = (msg: string, err: unknown) => logger.error({ err }, msg);
  const app = express();
  app.disable("x-powered-by");
  const server = createServer(app);

  const ws = createGraphQLWebSocket({ server, schema, services, live: deps.live, logger, limiter });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    // Signals are ours: Apollo's stop() called twice concurrently never resolves, so the process owns SIGTERM.
    // GET queries carry x-api-key, which must count as a non-simple header for CSRF prevention.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: { requestHeaders: ["x-api-key", "authorization", "x-apollo-operation-name", "apollo-require-preflight"] },
    // Refused before anything runs: too long (tokens), too deep (validation), too costly (once variables are known).
    parseOptions: { maxTokens: MAX_TOKENS },
    validationRules: [depthRule],
    formatError: (formatted, error) => formatGraphQLError(formatted, error, logError),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      // The landing page is HTML; this server answers JSON only.
      ApolloServerPluginLandingPageDisabled(),
      costLimitPlugin(schema),
      {
        async serverWillStart() {
          return {
            // Clients then get 1001 (going away) rather than a dropped socket.
            drainServer: () => ws.dispose(),
          };
        },
      },
    ],
  });
  await apollo.start();

  if (deps.observeRequests ?? true) app.use(observeRequests(logger));
  app.use(refuseLargeBodies);

  app.get("/healthz", labelRoute("/healthz"), (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", labelRoute("/readyz"), async (_req, res) => {
    const checks: Record<string, boolean> = {};
    const all: Record<string, () => Promise<unknown>> = { database: () => deps.db.read((r) => r.query("SELECT 1 AS ok")), ...deps.readiness };
    await Promise.all(
      Object.entries(all).map(async ([name, check]) => {
        const ok = await withTimeout(check().then((v) => v !== false), READINESS_TIMEOUT_MS).catch(() => false);
        checks[name] = ok;
      }),
    );
    const failing = Object.keys(checks).filter((name) => !checks[name]);
    res.status(failing.length ? 503 : 200).json({ status: failing.length ? "unavailable" : "ready", checks, ...(failing.length ? { failing } : {}) });
  });
  // Prometheus text, no key (the labels hold nothing about any organization).
  app.get("/metrics", labelRoute("/metrics"), async (_req, res) => {
    res.set("Content-Type", METRICS_CONTENT_TYPE).send(await metricsText());
  });

  app.use(
    "/graphql",
    labelRoute("/graphql"),
    rateLimitRequests(limiter),
    express.json({ limit: JSON_BODY_LIMIT }),
    // Apollo needs `req.body` set even when there is no JSON body (a GET, or a POST of another type), else it
    // answers a plain-text 500; with it, it answers its own JSON 400.
    (req: Request, _res: Response, next: NextFunction) => {
      if (!Object.hasOwn(req, "body")) req.body = undefined;
      next();
    },
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        let organizationId: string | null;
        try {
          organizationId = await services.organizations.authenticate(apiKeyFrom(req.headers));
        } catch (err) {
          // Apollo turns anything but a GraphQLError thrown here into a 500 "Context creation failed".
          if (err instanceof DomainError) throw toGraphQLError(err);
          throw err;
        }
        if (!organizationId) {
          throw new GraphQLError("Missing, unknown or revoked API key: send it in the x-api-key header", {
            extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
          });
        }
        return { organizationId, services };
      },
    }),
  );

  deps.mountRest?.(app);
  app.use("/telephony", labelRoute("/telephony/*"));
  deps.mountTelephony?.(app);

  // Page-serving mounts go here, before the catch-all 404 below: the dashboard, and `GET /` redirecting to it.
  app.get("/", labelRoute("/"));
  app.use("/dashboard", labelRoute("/dashboard/*"));
  mountDashboard(app);

  app.use((req: Request) => {
    throw new DomainError("NOT_FOUND", `No route ${req.method} ${req.path}: the API is at /graphql and /api (routes listed at GET /api/openapi.json)`);
  });

  // The last word on every error: JSON in GraphQL's shape on /graphql and in REST's elsewhere, never Express's HTML
  // page, a stack, a file path or SQL. Unexpected errors are logged once, here, with their cause.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      logError("error after the response started", err);
      if (!res.writableEnded) res.end();
      return;
    }
    const onGraphQL = req.path === "/graphql" || req.path.startsWith("/graphql/");
    const { status, body, headers } = onGraphQL ? toGraphQLHttpError(err, logError) : toRestError(err, logError);
    res.status(status).set(headers).json(body);
  });

  let stopping: Promise<void> | null = null;
  return {
    server,
    listen: (port, host = "0.0.0.0") =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    // One memoised stop: Apollo's stop() called twice concurrently never resolves.
    stop: () => (stopping ??= apollo.stop().then(() => ws.dispose())),
  };
}

/** A body announced larger than the limit is refused before any route reads it, on every path. */
function refuseLargeBodies(req: Request, res: Response, next: NextFunction): void {
  const length = Number(req.headers["content-length"] ?? 0);
  if (length > MAX_BODY_BYTES) {
    res.set("Connection", "close"); // not worth reading the rest of it
    throw new DomainError("PAYLOAD_TOO_LARGE", `The request body is larger than the limit of ${MAX_BODY_BYTES} bytes`);
  }
  next();
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
