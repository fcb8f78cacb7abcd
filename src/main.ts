import "reflect-metadata";
import { createApp } from "./app";
import { ConfigError, loadConfig } from "./config/config";
import { SqliteInUseError } from "./db/sqlite-lock";
import { createLogger } from "./shared/logger";

/** `npm start` / `voicecast serve`: migrate, bootstrap the first organization, start the configured roles. */
export async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, { logger });
  // On SQLite a second server process is refused here, before it writes anything.
  try {
    app.claimDatabase();
  } catch (e) {
    if (e instanceof SqliteInUseError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const issued = await app.services.organizations.bootstrap(config.bootstrapApiKey);
  if (issued) {
    if (config.bootstrapApiKey) logger.info({ organizationId: issued.organizationId }, 'created organization "Default" with the bootstrap API key');
    // Printed once, on the first start only: the key is not stored.
    else console.log(`Created organization "Default" (${issued.organizationId}).\nAPI key (shown once): ${issued.apiKey}`);
  }
  await app.start();
  let exiting = false;
  const shutdown = (signal: string) => {
    if (exiting) return;
    exiting = true;
    logger.info({ signal }, "shutting down");
    app.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

if (require.main === module) {
  serve().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
