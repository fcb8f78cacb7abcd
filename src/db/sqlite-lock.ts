import { hostname } from "node:os";
import Database from "better-sqlite3";

/**
 * SQLite serialises writers only inside one process (see Db), so one server process (api or dispatcher role) may
 * use a SQLite file at a time. The guard is a lock file next to the database, `<file>.lock`, itself a SQLite file
 * on which the server holds a write lock (BEGIN IMMEDIATE) for as long as it runs. The operating system releases
 * that lock when the process ends, however it ends (a crash, kill -9), so there is never a stale lock to clean up,
 * and a reused pid cannot fool it. Short CLI commands (`org create`) do not take it.
 */
export class SqliteServerLock {
  private constructor(private readonly db: Database.Database | null) {}

  /** Takes the lock or throws SqliteInUseError naming the process that holds it. */
  static acquire(databasePath: string, roles: readonly string[]): SqliteServerLock {
    if (databasePath === ":memory:") return new SqliteServerLock(null);
    const path = `${databasePath}.lock`;
    const db = new Database(path, { timeout: 0 });
    try {
      // 1. Take the lock and record who holds it; commit, so that a refused process can read the record.
      // 2. Take the lock again and keep it. Between the two another process may win it: then that one holds the
      //    lock and records itself, and this one is refused, so exactly one process ends up holding it.
      db.exec("BEGIN IMMEDIATE");
      db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, roles TEXT NOT NULL, started_at TEXT NOT NULL)");
      db.prepare("DELETE FROM holder").run();
      db.prepare("INSERT INTO holder (pid, host, roles, started_at) VALUES (?, ?, ?, ?)").run(process.pid, hostname(), roles.join(","), new Date().toISOString());
      db.exec("COMMIT");
      db.exec("BEGIN IMMEDIATE");
      return new SqliteServerLock(db);
    } catch (err) {
      const refusal = (err as { code?: string }).code === "SQLITE_BUSY" ? inUse(db, databasePath) : err;
      db.close();
      throw refusal;
    }
  }

  release(): void {
    if (this.db?.open) this.db.close();
  }
}

export class SqliteInUseError extends Error {}

function inUse(db: Database.Database, databasePath: string): SqliteInUseError {
  let who = "another process";
  try {
    if (db.inTransaction) db.exec("ROLLBACK");
    const holder = db.prepare("SELECT pid, host, roles, started_at AS startedAt FROM holder").get() as
      | { pid: number; host: string; roles: string; startedAt: string }
      | undefined;
    if (holder) who = `process ${holder.pid} on ${holder.host} (roles ${holder.roles}, started ${holder.startedAt})`;
  } catch {
    // The record is for the message only.
  }
  return new SqliteInUseError(
    `The SQLite database ${databasePath} is already served by ${who}. SQLite serves one server process at a time: ` +
      "stop that one first, or use MariaDB/MySQL (DATABASE_URL) with Redis (REDIS_URL) to run several processes.",
  );
}
