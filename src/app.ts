import type { Config } from "./config/config";
import { createDataSource } from "./db/data-source";
import { Db } from "./db/db";
import { runMigrations } from "./db/migrate";
import { Dispatcher } from "./modules/dispatcher/dispatcher";
import Redis from "ioredis";
import { CarrierCalls } from "./modules/dispatcher/carrier-calls";
import { CompletionWriter } from "./modules/dispatcher/completion-writer";
import { FlowCache } from "./modules/dispatcher/flow-cache";
import { MemoryPacer, Pacer, RedisPacer } from "./modules/dispatcher/pacer";
import { createTelephony } from "./modules/telephony/create-provider";
import { twilioWebhooks } from "./http/telephony/twilio-webhooks";
import { buildGraphQLSchema } from "./http/schema";
import { createHttpService, HttpService } from "./http/server";
import { restMount } from "./http/rest/router";
import { ExecutionFeeds } from "./pubsub/execution-feeds";
import { EventBus, InProcessEventBus } from "./pubsub/pubsub";
import { RedisEventBus } from "./pubsub/redis-bus";
import { createServices, Services } from "./services";
import { Clock, systemClock } from "./shared/clock";
import { createLogger, Logger } from "./shared/logger";

export interface AppOptions {
  clock?: Clock;
  logger?: Logger;
  /** Run migrations at start (npm start does; tests that share a database migrate once). */
  migrate?: boolean;
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
  /** The dispatcher, once started with the dispatcher role. */
  dispatcher: Dispatcher | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires the roles a process runs from config; main.ts, the CLI and tests all start the service through here. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? systemClock;
  const ds = createDataSource(config.database);
  await ds.initialize();
  if (options.migrate ?? true) {
    const applied = await runMigrations(ds);
    if (applied.length) logger.info({ applied }, "migrations applied");
  }
  const db = new Db(ds, (msg, err) => logger.error({ err }, msg));
  // Redis when configured (needed as soon as more than one process runs), in-process otherwise.
  const bus: EventBus = config.redisUrl
    ? await RedisEventBus.connect({ url: config.redisUrl, prefix: config.redisPrefix, logger })
    : new InProcessEventBus((msg, err) => logger.error({ err }, msg));
  const telephony = createTelephony(config, clock);
  const services = createServices(db, clock, bus, { carrier: telephony.carrier !== undefined });
  let pacerRedis: Redis | null = null;

  const app: App = {
    config,
    db,
    services,
    bus,
    http: null,
    live: null,
    port: null,
    dispatcher: null,
    async start() {
      if (config.roles.includes("api")) {
        const schema = await buildGraphQLSchema();
        app.live = new ExecutionFeeds({ bus, db, clock, logger, progressIntervalMs: config.progressIntervalMs });
        app.http = await createHttpService({
          schema,
          services,
          db,
          logger,
          mountRest: restMount(services, logger),
          mountTelephony: telephony.carrier
            ? (http) => {
                const calls = new CarrierCalls({ db, clock, logger, flows: new FlowCache(db), completions: new CompletionWriter({ db, clock, events: bus, logger }) });
                http.use("/telephony/twilio", twilioWebhooks({ authToken: config.twilio!.authToken, publicUrl: config.publicUrl!, calls, logger }));
              }
            : undefined,
          live: app.live,
          readiness: config.redisUrl ? { redis: () => bus.healthy() } : {},
        });
        app.port = await app.http.listen(config.port);
        logger.info({ port: app.port }, "API listening");
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
        app.dispatcher = new Dispatcher({
          db,
          clock,
          ...telephony,
          pacer,
          events: bus,
          logger,
          pollMs: config.pollMs,
          leaseMs: config.leaseMs,
          drainMs: config.drainMs,
        });
        app.dispatcher.start();
      }
    },
    stop: memo(async () => {
      // Drain first: calls in progress finish (up to drainMs) and are recorded while the database is still open.
      await app.dispatcher?.stop();
      await app.http?.stop();
      app.live?.close();
      await bus.close();
      pacerRedis?.disconnect();
      if (ds.isInitialized) await ds.destroy();
    }),
  };
  return app;
}

function memo(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => (p ??= fn());
}
