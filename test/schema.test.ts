import "reflect-metadata";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getMetadataArgsStorage } from "typeorm";
import { afterAll, describe, expect, it } from "vitest";
import { renderSchema } from "../scripts/emit-schema";
import { parseDatabaseUrl } from "../src/config/config";
import { createDataSource } from "../src/db/data-source";
import { dropDatabase, recreateDatabase, siblingDatabaseUrl } from "../src/db/mysql-admin";
import { ProgramExecution } from "../src/modules/execution/execution.entity";
import { readFileSync } from "node:fs";
import { SERVER_DB_URL } from "./support/targets";

/** Migrates an empty database, then asks TypeORM what it would change to match the entities: nothing. */
async function pendingSchemaChanges(url: string): Promise<string[]> {
  const ds = await createDataSource(parseDatabaseUrl(url), { poolSize: 2 }).initialize();
  try {
    const applied = await ds.runMigrations({ transaction: "each" });
    expect(applied.length).toBeGreaterThan(0);
    expect(ds.options.synchronize).toBe(false);
    const sql = await ds.driver.createSchemaBuilder().log();
    return sql.upQueries.map((q) => q.query);
  } finally {
    await ds.destroy();
  }
}

describe("migrations", () => {
  it("leave no pending schema change on SQLite", async () => {
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), "vc-schema-")), "s.sqlite")}`;
    expect(await pendingSchemaChanges(url)).toEqual([]);
  });

  const scratch = SERVER_DB_URL ? siblingDatabaseUrl(SERVER_DB_URL, `schema_check_${process.pid}`) : null;

  afterAll(async () => {
    if (scratch) await dropDatabase(scratch);
  });

  it.skipIf(!scratch)("leave no pending schema change on MariaDB/MySQL", async () => {
    await recreateDatabase(scratch!);
    expect(await pendingSchemaChanges(scratch!)).toEqual([]);
  });
});

describe("decorator metadata", () => {
  // esbuild emits none and TypeORM then fails at runtime (ColumnTypeUndefinedError): keep the test transform honest.
  it("is emitted for entity properties", () => {
    expect(Reflect.getMetadata("design:type", ProgramExecution.prototype, "totalContacts")).toBe(Number);
    expect(getMetadataArgsStorage().columns.some((c) => c.target === ProgramExecution && c.propertyName === "sequence")).toBe(true);
  });
});

describe("schema.graphql", () => {
  it("is regenerated and committed (run `npm run schema`)", async () => {
    const committed = readFileSync(join(__dirname, "..", "schema.graphql"), "utf8");
    expect(committed).toBe(await renderSchema());
  });
});
