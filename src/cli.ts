import "reflect-metadata";
import { Command } from "commander";
import { ConfigError, loadConfig } from "./config/config";
import { createDataSource } from "./db/data-source";
import { Db } from "./db/db";
import { runMigrations } from "./db/migrate";
import { OrganizationService } from "./modules/organization/organization.service";
import { DomainError } from "./shared/errors";
import { systemClock } from "./shared/clock";
import { serve } from "./main";
import { activeExecutionsTable } from "./terminal/executions-table";
import { apiTarget, TerminalError } from "./terminal/options";
import { summaryLines, watchExecution } from "./terminal/watch";

/** Opens the configured database, migrated, for one CLI command. */
async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const ds = await createDataSource(config.database, { poolSize: 2 }).initialize();
  try {
    await runMigrations(ds);
    return await fn(new Db(ds));
  } finally {
    await ds.destroy();
  }
}

const program = new Command("voicecast").description("Voicecast outbound call campaigns");

program.command("serve").description("run the service with the roles in VOICECAST_ROLES").action(() => serve());

program
  .command("migrate")
  .description("apply pending database migrations")
  .action(async () => {
    const config = loadConfig();
    const ds = await createDataSource(config.database, { poolSize: 2 }).initialize();
    try {
      const applied = await runMigrations(ds);
      console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
    } finally {
      await ds.destroy();
    }
  });

const org = program.command("org").description("organizations");
org
  .command("create <name>")
  .description('create an organization; prints {"organizationId","apiKeyId","apiKey"}')
  .action((name: string) => withDb(async (db) => console.log(JSON.stringify(await new OrganizationService(db, systemClock).createOrganization(name)))));

const apikey = program.command("apikey").description("API keys");
apikey
  .command("create <organizationId>")
  .description('create an API key; prints {"organizationId","apiKeyId","apiKey"}')
  .action((organizationId: string) => withDb(async (db) => console.log(JSON.stringify(await new OrganizationService(db, systemClock).createApiKey(organizationId)))));
apikey
  .command("revoke <apiKeyId>")
  .description("revoke an API key")
  .action((apiKeyId: string) =>
    withDb(async (db) => {
      await new OrganizationService(db, systemClock).revokeApiKey(apiKeyId);
      console.log(JSON.stringify({ apiKeyId, revoked: true }));
    }),
  );

const apiFlags = "--url and --key default to VOICECAST_URL (else http://localhost:4000) and VOICECAST_API_KEY";

program
  .command("watch <executionId>")
  .description(`follow one execution live until it is finished; ${apiFlags}`)
  .option("--url <url>", "base URL of the API")
  .option("--key <key>", "API key")
  .action(async (executionId: string, flags: { url?: string; key?: string }) => {
    const out = { write: (t: string) => process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY) };
    const final = await watchExecution(apiTarget(flags), executionId, out);
    for (const line of summaryLines(final)) console.log(line);
  });

program
  .command("executions")
  .description(`the organization's active executions as a table; ${apiFlags}`)
  .option("--url <url>", "base URL of the API")
  .option("--key <key>", "API key")
  .action(async (flags: { url?: string; key?: string }) => console.log(await activeExecutionsTable(apiTarget(flags))));

program.parseAsync(process.argv).catch((err) => {
  if (err instanceof TerminalError) console.error(`voicecast: ${err.message}`);
  else if (err instanceof ConfigError || err instanceof DomainError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
