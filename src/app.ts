import type { Config } from "./config/config";
import { createDataSource } from "./db/data-source";
import { Db } from "./db/db";
import { runMigrations } from "./db/migrate";
import { buildGraphQLSchema } from "./http/schema";
import { createHttpService, HttpService } from "./http/server";
import { EventBus, InProcessEventBus } from "./pubsub/pubsub";
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
  /** The port the API listens on, once started with the api role. */
  port: number | null;
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
  const bus: EventBus = new InProcessEventBus();
  const services = createServices(db, clock, bus);

  const app: App = {
    config,
    db,
    services,
    bus,
    http: null,
    port: null,
    async start() {
      if (config.roles.includes("api")) {
        const schema = await buildGraphQLSchema();
        app.http = await createHttpService({ schema, services, db, logger });
        app.port = await app.http.listen(config.port);
        logger.info({ port: app.port }, "API listening");
      }
    },
    stop: memo(async () => {
      await app.http?.stop();
      await bus.close();
      if (ds.isInitialized) await ds.destroy();
    }),
  };
  return app;
}

function memo(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => (p ??= fn());
}
