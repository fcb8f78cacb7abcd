import type { Server } from "node:http";
import { GraphQLError, GraphQLFormattedError, GraphQLSchema } from "graphql";
import type { Context } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocket, WebSocketServer } from "ws";
import type { ExecutionFeeds } from "../pubsub/execution-feeds";
import type { Services } from "../services";
import { DomainError, RateLimitedError, ServiceUnavailableError, TooManyOperationsError } from "../shared/errors";
import type { Logger } from "../shared/logger";
import { rateLimited, trackSubscriptionsOpen } from "../shared/metrics";
import { apiKeyFrom } from "./auth";
import { formatGraphQLError, toGraphQLError } from "./error-mapping";
import type { GraphQLContext } from "./graphql-context";
import { costError } from "./graphql-limits";
import { KeyRateLimiter, limiterKey } from "./rate-limit";
import { createSharedSubscribe, DocumentCache } from "./subscription-execution";

/** Operations one WebSocket may have open at once (a dashboard needs a handful). */
export const MAX_OPERATIONS_PER_CONNECTION = 100;
/** Operations one API key may have open at once on one API process, over all its sockets. */
export const MAX_OPERATIONS_PER_KEY = 5_000;
/** Messages as large as an HTTP body at most (ws would take 100 MiB). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/**
 * A connection refused for now (over the key's rate, or the database unreachable) is closed with the standard
 * "try again later" code; graphql-ws's own codes mirror HTTP statuses (its 4429 means a repeated connection_init).
 */
const CLOSE_TRY_AGAIN_LATER = 1013;

type Extra = {
  organizationId?: string;
  /** The hashed key (see limiterKey): which sockets share a key's subscription budget. */
  keyHash?: string;
};
type Ctx = Context<Record<string, unknown>, Extra & { socket: WebSocket }>;

export interface GraphQLWebSocketDeps {
  server: Server;
  schema: GraphQLSchema;
  services: Services;
  live?: ExecutionFeeds;
  logger: Logger;
  limiter: KeyRateLimiter | null;
}

/**
 * GraphQL over WebSocket (graphql-ws) on /graphql. The same key check, rate limit, depth and cost limits and
 * error codes as over HTTP; on top, a cap on the operations a socket and a key may hold open.
 */
export function createGraphQLWebSocket(deps: GraphQLWebSocketDeps): { dispose(): Promise<void> } {
  const { schema, services, logger, limiter } = deps;
  const logError = (msg: string, err: unknown) => logger.error({ err }, msg);
  const wsServer = new WebSocketServer({ server: deps.server, path: "/graphql", maxPayload: MAX_MESSAGE_BYTES });
  const documents = new DocumentCache(schema);
  const connections = new Set<Ctx>();
  const byKey = new Map<string, Set<Ctx>>();
  const openIn = (ctx: Ctx) => Object.keys(ctx.subscriptions).length;
  const untrack = trackSubscriptionsOpen(() => [...connections].reduce((n, c) => n + openIn(c), 0));

  const refuse = (err: DomainError): GraphQLError[] => {
    if (err.code === "RATE_LIMITED") rateLimited("websocket");
    return [toGraphQLError(err)];
  };

  const cleanup = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      // A missing or bad key closes the socket with 4403 before any operation runs.
      onConnect: async (ctx) => {
        const key = apiKeyFrom(ctx.connectionParams ?? {});
        try {
          if (key && limiter) await limiter.consume(key);
          const organizationId = await services.organizations.authenticate(key);
          if (!organizationId || !key) return false;
          ctx.extra.organizationId = organizationId;
          ctx.extra.keyHash = limiterKey(key);
        } catch (err) {
          if (err instanceof RateLimitedError) {
            rateLimited("websocket");
            ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, "Too many requests for this API key: retry later");
            return false;
          }
          if (err instanceof ServiceUnavailableError) {
            ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, "The database cannot be reached right now: retry later");
            return false;
          }
          throw err;
        }
        connections.add(ctx);
        let shared = byKey.get(ctx.extra.keyHash);
        if (!shared) byKey.set(ctx.extra.keyHash, (shared = new Set()));
        shared.add(ctx);
        return true;
      },
      onClose: (ctx) => {
        connections.delete(ctx);
        const shared = ctx.extra.keyHash ? byKey.get(ctx.extra.keyHash) : undefined;
        shared?.delete(ctx);
        if (shared?.size === 0) byKey.delete(ctx.extra.keyHash!);
      },
      // Limits first, then parse and validate (once per distinct document), so a refused operation is answered
      // with an error on its own id; graphql-ws would otherwise close the whole socket on a syntax error.
      onSubscribe: async (ctx, _id, payload) => {
        const key = apiKeyFrom(ctx.connectionParams ?? {});
        if (key && limiter) {
          try {
            await limiter.consume(key);
          } catch (err) {
            if (err instanceof DomainError) return refuse(err);
            throw err;
          }
        }
        // graphql-ws counts this operation as open already.
        if (openIn(ctx) > MAX_OPERATIONS_PER_CONNECTION) {
          return refuse(new TooManyOperationsError(`at most ${MAX_OPERATIONS_PER_CONNECTION} operations may be open on one connection`));
        }
        const shared = byKey.get(ctx.extra.keyHash!);
        if (shared && [...shared].reduce((n, c) => n + openIn(c), 0) > MAX_OPERATIONS_PER_KEY) {
          return refuse(new TooManyOperationsError(`at most ${MAX_OPERATIONS_PER_KEY} operations may be open per API key`));
        }
        const compiled = documents.get(payload.query);
        if ("errors" in compiled) return [...compiled.errors];
        const tooCostly = costError(schema, compiled.document, payload.variables, payload.operationName);
        if (tooCostly) return [tooCostly];
        return { schema, document: compiled.document, operationName: payload.operationName, variableValues: payload.variables };
      },
      // One execution per event shared by every subscriber with the same document (subscription-execution.ts).
      subscribe: createSharedSubscribe((contextValue) => (contextValue as GraphQLContext).organizationId),
      context: (ctx): GraphQLContext => ({ organizationId: ctx.extra.organizationId!, services, live: deps.live }),
      // The same error codes and masking as over HTTP (Apollo's formatError does not see WebSocket operations).
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.length ? { ...result, errors: result.errors.map((e) => formatGraphQLError(e.toJSON(), e, logError)) } : undefined,
      onError: (_ctx, _id, _payload, errors): GraphQLFormattedError[] =>
        errors.map((e) => {
          if (e.originalError) return formatGraphQLError(e.toJSON(), e, logError);
          // Refusals carry an HTTP status for the HTTP transport; a WebSocket message has no use for it.
          const { http: _http, ...extensions } = e.extensions as Record<string, unknown>;
          return { ...e.toJSON(), extensions: { code: "GRAPHQL_VALIDATION_FAILED", ...extensions } };
        }),
    },
    wsServer,
  );

  let disposed: Promise<void> | null = null;
  return {
    // graphql-ws's dispose throws when called twice: once only.
    dispose: () =>
      (disposed ??= Promise.resolve(cleanup.dispose()).finally(() => {
        untrack();
      })),
  };
}
