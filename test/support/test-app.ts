import { createApp, App } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import type { Clock } from "../../src/shared/clock";

export interface TestAppOptions {
  databaseUrl: string;
  env?: Record<string, string>;
  clock?: Clock;
  roles?: string;
}

/** Starts the real service in this process on a free port. */
export async function startTestApp(opts: TestAppOptions): Promise<App> {
  const config = loadConfig({
    DATABASE_URL: opts.databaseUrl,
    PORT: "0",
    VOICECAST_ROLES: opts.roles ?? "api",
    // Quiet unless asked (TEST_LOG_LEVEL=info shows the service's log lines while debugging a test).
    VOICECAST_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...opts.env,
  });
  const app = await createApp(config, { clock: opts.clock });
  await app.start();
  return app;
}

/** A fresh organization and its key, so each test sees only its own data. */
export async function newOrg(app: App, name = "test-org"): Promise<{ organizationId: string; apiKey: string }> {
  return app.services.organizations.createOrganization(name);
}
