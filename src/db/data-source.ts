import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DataSource, DataSourceOptions } from "typeorm";
import type { DatabaseConfig } from "../config/config";
import { MYSQL_MIGRATIONS } from "../../migrations/mysql";
import { SQLITE_MIGRATIONS } from "../../migrations/sqlite";
import { SnakeNamingStrategy } from "./columns";
import { ENTITIES } from "./entities";

/** The DataSource for a database URL. `synchronize` is never on: the schema comes from migrations only. */
export function createDataSource(config: DatabaseConfig, options: { poolSize?: number } = {}): DataSource {
  const common = {
    entities: ENTITIES,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: "migrations",
    logging: false,
  } as const;
  let opts: DataSourceOptions;
  if (config.kind === "sqlite") {
    const path = config.path!;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    opts = {
      ...common,
      type: "better-sqlite3",
      database: path,
      migrations: SQLITE_MIGRATIONS,
      // WAL lets readers in other processes (CLI, tests) read while the service writes.
      prepareDatabase: (db: { pragma(s: string): unknown }) => {
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = NORMAL");
        db.pragma("busy_timeout = 5000");
        db.pragma("foreign_keys = ON");
      },
    };
  } else {
    opts = {
      ...common,
      // MariaDB needs its own driver type ("mariadb"), or TypeORM's schema diff never converges.
      type: config.kind,
      url: config.url,
      timezone: "Z",
      charset: "utf8mb4_unicode_ci",
      poolSize: options.poolSize ?? 20,
      migrations: MYSQL_MIGRATIONS,
      extra: { connectionLimit: options.poolSize ?? 20, maxIdle: options.poolSize ?? 20 },
    };
  }
  return new DataSource(opts);
}
