import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { dropDatabase, recreateDatabase, siblingDatabaseUrl } from "../../src/db/mysql-admin";

/** A database the integration tests run against: always SQLite, and MariaDB/MySQL when TEST_DATABASE_URL is set. */
export interface DbTarget {
  name: "sqlite" | "mariadb";
  /** A fresh URL for one test file (SQLite: a new file; MariaDB: the shared test database). */
  url(): string;
}

const sqlite: DbTarget = {
  name: "sqlite",
  url: () => `sqlite:${join(mkdtempSync(join(tmpdir(), "voicecast-test-")), "test.sqlite")}`,
};

export const SERVER_DB_URL = process.env.TEST_DATABASE_URL || null;
export const SERVER_REDIS_URL = process.env.TEST_REDIS_URL || null;

const server: DbTarget | null = SERVER_DB_URL ? { name: "mariadb", url: () => SERVER_DB_URL } : null;

export const DB_TARGETS: DbTarget[] = server ? [sqlite, server] : [sqlite];

/** Runs a describe block once per database target. Each test makes its own organization, so data never clashes. */
export function describeEachDb(title: string, fn: (target: DbTarget) => void): void {
  for (const target of DB_TARGETS) describe(`${title} [${target.name}]`, () => fn(target));
}

/** Tests that need a real server database (races, multiple processes); skipped without TEST_DATABASE_URL. */
export const describeServerDb = SERVER_DB_URL ? describe : describe.skip;

/**
 * A database of its own for one test file. Dispatchers are not per organization: one started against the shared
 * test database would also dial other suites' executions (and theirs ours), so on MariaDB each dispatcher file
 * gets a private database next to TEST_DATABASE_URL's, dropped afterwards. SQLite targets are a new file anyway.
 */
export async function privateDatabase(target: DbTarget, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (target.name === "sqlite") return { url: target.url(), drop: async () => {} };
  return privateServerDatabase(name);
}

export async function privateServerDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!SERVER_DB_URL) throw new Error("TEST_DATABASE_URL is not set");
  const url = siblingDatabaseUrl(SERVER_DB_URL, name);
  await recreateDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}
