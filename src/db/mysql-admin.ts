import { createConnection } from "mysql2/promise";

// Database-level chores on a MySQL/MariaDB server, for tests, benches and scripts that need a database of their own.

async function onServer(url: string, sql: string): Promise<void> {
  const u = new URL(url);
  const conn = await createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

function databaseName(url: string): string {
  const name = new URL(url).pathname.replace(/^\//, "");
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected database name "${name}"`);
  return name;
}

/** Drops and creates the URL's database, empty, in utf8mb4. */
export async function recreateDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await onServer(url, `DROP DATABASE IF EXISTS \`${name}\``);
  await onServer(url, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
}

export async function dropDatabase(url: string): Promise<void> {
  await onServer(url, `DROP DATABASE IF EXISTS \`${databaseName(url)}\``);
}

/** The URL of a database named `<base>_<suffix>` on the same server. */
export function siblingDatabaseUrl(url: string, suffix: string): string {
  const u = new URL(url);
  u.pathname = `/${`${databaseName(url)}_${suffix}`.replace(/[^A-Za-z0-9_]/g, "_")}`;
  return u.toString();
}
