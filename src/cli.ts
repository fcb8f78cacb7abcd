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

program.parseAsync(process.argv).catch((err) => {
  if (err instanceof ConfigError || err instanceof DomainError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
