import { createServer, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import express from "express";
import { GraphQLError, GraphQLFormattedError, GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Db } from "../db/db";
import type { ExecutionFeeds } from "../pubsub/execution-feeds";
import type { Services } from "../services";
import type { Logger } from "../shared/logger";
import { apiKeyFrom } from "./auth";
import { mountDashboard } from "./dashboard";
import { formatGraphQLError } from "./error-mapping";
import type { GraphQLContext } from "./graphql-context";
import { createSharedSubscribe, DocumentCache } from "./subscription-execution";

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
}

export interface HttpService {
  server: Server;
  listen(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

/** Max JSON body: a 10,000-contact bulk upsert fits with room to spare. */
export const JSON_BODY_LIMIT = "10mb";

export async function createHttpService(deps: HttpDeps): Promise<HttpService> {
  const { schema, services, logger } = deps;
  const logError = (msg: string, err: unknown) => logger.error({ err }, msg);
  const app = express();
  app.disable("x-powered-by");
  const server = createServer(app);

  // Messages as large as an HTTP body at most (ws would take 100 MiB).
  const wsServer = new WebSocketServer({ server, path: "/graphql", maxPayload: 10 * 1024 * 1024 });
  const documents = new DocumentCache(schema);
  const wsCleanup = useServer<Record<string, unknown>, { organizationId?: string }>(
    {
      schema,
      // A missing or bad key closes the socket with 4403 before any operation runs.
      onConnect: async (ctx) => {
        const organizationId = await services.organizations.authenticate(apiKeyFrom(ctx.connectionParams ?? {}));
        if (!organizationId) return false;
        ctx.extra.organizationId = organizationId;
        return true;
      },
      // Parse and validate here (once per distinct document) so that a malformed one is answered with an error on
      // its own operation; graphql-ws would otherwise close the whole socket on a syntax error.
      onSubscribe: (_ctx, _id, payload) => {
        const compiled = documents.get(payload.query);
        if ("errors" in compiled) return [...compiled.errors];
        return { schema, document: compiled.document, operationName: payload.operationName, variableValues: payload.variables };
      },
      // One execution per event shared by every subscriber with the same document (subscription-execution.ts).
      subscribe: createSharedSubscribe((contextValue) => (contextValue as GraphQLContext).organizationId),
      context: (ctx): GraphQLContext => ({ organizationId: ctx.extra.organizationId!, services, live: deps.live }),
      // The same error codes and masking as over HTTP (Apollo's formatError does not see WebSocket operations).
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.length ? { ...result, errors: result.errors.map((e) => formatGraphQLError(e.toJSON(), e, logError)) } : undefined,
      onError: (_ctx, _id, _payload, errors): GraphQLFormattedError[] =>
        errors.map((e) =>
          e.originalError ? formatGraphQLError(e.toJSON(), e, logError) : { ...e.toJSON(), extensions: { code: "GRAPHQL_VALIDATION_FAILED", ...e.extensions } },
        ),
    },
    wsServer,
  );
  let wsDisposed = false;

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    // Signals are ours (STACK.md #4); GET queries carry x-api-key, which must count as a non-simple header (#15).
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: { requestHeaders: ["x-api-key", "authorization", "x-apollo-operation-name", "apollo-require-preflight"] },
    formatError: (formatted, error) => formatGraphQLError(formatted, error, (msg, err) => logger.error({ err }, msg)),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              if (!wsDisposed) {
                wsDisposed = true;
                await wsCleanup.dispose();
              }
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const checks: Record<string, boolean> = {};
    checks.database = await deps.db
      .read((r) => r.query("SELECT 1 AS ok"))
      .then(() => true)
      .catch(() => false);
    for (const [name, check] of Object.entries(deps.readiness ?? {})) checks[name] = await check().catch(() => false);
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", checks });
  });

  app.use(
    "/graphql",
    express.json({ limit: JSON_BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const organizationId = await services.organizations.authenticate(apiKeyFrom(req.headers));
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
  deps.mountTelephony?.(app);
  mountDashboard(app);

  let stopping: Promise<void> | null = null;
  return {
    server,
    listen: (port, host = "0.0.0.0") =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    // One memoised stop: Apollo's stop() called twice concurrently never resolves (STACK.md #4).
    stop: () => (stopping ??= apollo.stop()),
  };
}
