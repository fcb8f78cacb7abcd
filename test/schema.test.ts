import "reflect-metadata";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { getMetadataArgsStorage } from "typeorm";
import { afterAll, describe, expect, it } from "vitest";
import { renderSchema } from "../scripts/emit-schema";
import { parseDatabaseUrl } from "../src/config/config";
import { createDataSource } from "../src/db/data-source";
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

  const scratch = `voicecast_schema_check_${process.pid}`;
  const server = SERVER_DB_URL ? new URL(SERVER_DB_URL) : null;
  const admin = () =>
    createConnection({ host: server!.hostname, port: Number(server!.port || 3306), user: decodeURIComponent(server!.username), password: decodeURIComponent(server!.password) });

  afterAll(async () => {
    if (!server) return;
    const c = await admin();
    await c.query(`DROP DATABASE IF EXISTS \`${scratch}\``);
    await c.end();
  });

  it.skipIf(!server)("leave no pending schema change on MariaDB/MySQL", async () => {
    const c = await admin();
    await c.query(`DROP DATABASE IF EXISTS \`${scratch}\``);
    await c.query(`CREATE DATABASE \`${scratch}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await c.end();
    const url = new URL(SERVER_DB_URL!);
    url.pathname = `/${scratch}`;
    expect(await pendingSchemaChanges(url.toString())).toEqual([]);
  });
});

describe("decorator metadata", () => {
  // esbuild emits none and TypeORM then fails at runtime (STACK.md #1): keep the test transform honest.
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
