import { createServer, Server } from "node:http";
import Redis from "ioredis";
import type { Config } from "./config/config";
import { createDataSource } from "./db/data-source";
import { Db } from "./db/db";
import { runMigrations } from "./db/migrate";
import { SqliteServerLock } from "./db/sqlite-lock";
import { Dispatcher } from "./modules/dispatcher/dispatcher";
import { CarrierCalls } from "./modules/dispatcher/carrier-calls";
import { CompletionWriter } from "./modules/dispatcher/completion-writer";
import { FlowCache } from "./modules/dispatcher/flow-cache";
import { MemoryPacer, Pacer, RedisPacer } from "./modules/dispatcher/pacer";
import { countUnfinishedByStatus } from "./modules/execution/execution.store";
import { createTelephony } from "./modules/telephony/create-provider";
import { WebhookDeliverer } from "./modules/webhook/webhook-deliverer";
import { twilioWebhooks } from "./http/telephony/twilio-webhooks";
import { buildGraphQLSchema } from "./http/schema";
import { createHttpService, HttpService } from "./http/server";
import { createKeyRateLimiter } from "./http/rate-limit";
import { restMount } from "./http/rest/router";
import { ExecutionFeeds } from "./pubsub/execution-feeds";
import { withLifecycleLog } from "./pubsub/lifecycle-log";
import { EventBus, InProcessEventBus } from "./pubsub/pubsub";
import { RedisEventBus } from "./pubsub/redis-bus";
import { createServices, Services } from "./services";
import { Clock, systemClock } from "./shared/clock";
import { createLogger, Logger } from "./shared/logger";
import { METRICS_CONTENT_TYPE, metricsText, trackCallsInFlight, trackExecutions } from "./shared/metrics";

export interface AppOptions {
  clock?: Clock;
  logger?: Logger;
  /** Run migrations at start (npm start does; tests that share a database migrate once). */
  migrate?: boolean;
  /** Request log lines and HTTP metrics (default true; the REST bench turns them off to measure their cost). */
  observeRequests?: boolean;
}

export interface App {
  config: Config;
  db: Db;
  services: Services;
  bus: EventBus;
  http: HttpService | null;
  /** The live feeds behind GraphQL subscriptions, once started with the api role. */
  live: ExecutionFeeds | null;
  /** The port the API listens on, once started with the api role. */
  port: number | null;
  /** The port /metrics is served on without the api role (VOICECAST_METRICS_PORT), once started. */
  metricsPort: number | null;
  /** The dispatcher, once started with the dispatcher role. */
  dispatcher: Dispatcher | null;
  /** The webhook deliverer, once started (every server process runs one; they share the work through claims). */
  webhooks: WebhookDeliverer | null;
  /**
   * On SQLite, takes the file for this process (one server process per file) or throws SqliteInUseError; start()
   * does it too. A process calls it first to be refused before it writes anything.
   */
  claimDatabase(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires the roles a process runs from config; main.ts, the CLI and tests all start the service through here. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const ds = createDataSource(config.database);
  await ds.initialize();
  if (options.migrate ?? true) {
    const applied = await runMigrations(ds);
    if (applied.length) logger.info({ applied }, "migrations applied");
  }
  const db = new Db(ds, logger);
  // Redis when configured (needed as soon as more than one process runs), in-process otherwise.
  const bus: EventBus = config.redisUrl
    ? await RedisEventBus.connect({ url: config.redisUrl, prefix: config.redisPrefix, logger })
    : new InProcessEventBus((msg, err) => logger.error({ err }, msg));
  // Every committed lifecycle change is logged once, by the process that committed it.
  const events = withLifecycleLog(bus, logger);
  const telephony = createTelephony(config, clock);
  const services = createServices(db, clock, events, { carrier: telephony.carrier !== undefined });
  // An opt_out node in a call: the callee's number goes on the organization's do-not-call list.
  const optOut = (organizationId: string, phone: string) => services.dnc.optOut(organizationId, phone);
  const untrack: Array<() => void> = [trackExecutions(() => db.read((r) => countUnfinishedByStatus(r)))];
  let pacerRedis: Redis | null = null;
  let rateLimitRedis: Redis | null = null;
  let metricsServer: Server | null = null;
  let lock: SqliteServerLock | null = null;

  const app: App = {
    config,
    db,
    services,
    bus,
    http: null,
    live: null,
    port: null,
    metricsPort: null,
    dispatcher: null,
    webhooks: null,
    claimDatabase() {
      // One server process per SQLite file (an app that only opens the database, like a CLI command, needs none).
      if (config.database.kind === "sqlite") lock ??= SqliteServerLock.acquire(config.database.path!, config.roles);
    },
    async start() {
      app.claimDatabase();
      if (config.roles.includes("api")) {
        const schema = await buildGraphQLSchema();
        if (config.redisUrl && config.rateLimit > 0) rateLimitRedis = await connectRateLimitRedis(config.redisUrl, logger);
        const limiter = createKeyRateLimiter({ perSecond: config.rateLimit, redis: rateLimitRedis, redisPrefix: config.redisPrefix });
        app.live = new ExecutionFeeds({ bus, db, clock, logger, progressIntervalMs: config.progressIntervalMs });
        app.http = await createHttpService({
          schema,
          services,
          db,
          logger,
          mountRest: restMount(services, logger, limiter),
          mountTelephony: telephony.carrier
            ? (http) => {
                const calls = new CarrierCalls({ db, clock, logger, flows: new FlowCache(db), completions: new CompletionWriter({ db, clock, events, logger }), optOut });
                http.use("/telephony/twilio", twilioWebhooks({ authToken: config.twilio!.authToken, publicUrl: config.publicUrl!, calls, logger }));
              }
            : undefined,
          live: app.live,
          limiter,
          observeRequests: options.observeRequests ?? true,
          readiness: config.redisUrl ? { redis: () => bus.healthy() } : {},
        });
        app.port = await app.http.listen(config.port);
        logger.info({ port: app.port }, "API listening");
      } else if (config.metricsPort !== null) {
        metricsServer = serveMetrics();
        app.metricsPort = await listen(metricsServer, config.metricsPort);
        logger.info({ port: app.metricsPort }, "metrics listening");
      }
      if (config.roles.includes("dispatcher")) {
        let pacer: Pacer | undefined;
        if (config.callsPerSecond) {
          // One budget for the deployment: shared through Redis when several processes run.
          if (config.redisUrl) {
            pacerRedis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
            pacerRedis.on("error", (err) => logger.warn({ err }, "redis (calls-per-second budget) error"));
            await pacerRedis.connect();
            pacer = new RedisPacer(pacerRedis, `${config.redisPrefix}cps`, config.callsPerSecond);
          } else pacer = new MemoryPacer(config.callsPerSecond);
        }
        const dispatcher = new Dispatcher({
          db,
          clock,
          ...telephony,
          pacer,
          events,
          logger,
          optOut,
          pollMs: config.pollMs,
          leaseMs: config.leaseMs,
          drainMs: config.drainMs,
        });
        app.dispatcher = dispatcher;
        untrack.push(trackCallsInFlight(() => dispatcher.inFlight));
        dispatcher.start();
      }
      app.webhooks = new WebhookDeliverer({ db, clock, logger, pollMs: config.pollMs, ...config.webhooks });
      app.webhooks.start();
    },
    stop: memo(async () => {
      // Drain first: calls in progress finish (up to drainMs) and are recorded while the database is still open.
      await app.dispatcher?.stop();
      await app.webhooks?.stop();
      await app.http?.stop();
      if (metricsServer) await new Promise((resolve) => metricsServer!.close(resolve));
      app.live?.close();
      for (const fn of untrack) fn();
      await bus.close();
      pacerRedis?.disconnect();
      rateLimitRedis?.disconnect();
      if (ds.isInitialized) await ds.destroy();
      lock?.release();
    }),
  };
  return app;
}

/** /metrics alone, for a process without the api role; anything else is a JSON 404. */
function serveMetrics(): Server {
  return createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/metrics") {
      metricsText().then(
        (text) => res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE }).end(text),
        () => res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "InternalError", message: "Internal server error" })),
      );
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "NotFoundError", message: "Only GET /metrics is served on this port" }));
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "0.0.0.0", () => resolve((server.address() as { port: number }).port));
  });
}

/** Fails fast while Redis is away (the limiter then counts in memory), reconnects forever, never throws at start. */
async function connectRateLimitRedis(url: string, logger: Logger): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: (n) => Math.min(n * 200, 2000) });
  let down = false;
  client.on("error", (err) => {
    if (!down) logger.warn({ err }, "rate limiter: Redis connection error; counting in memory meanwhile");
    down = true;
  });
  client.on("ready", () => (down = false));
  await client.connect().catch(() => undefined);
  return client;
}

function memo(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => (p ??= fn());
}
