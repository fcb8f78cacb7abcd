import { AsyncLocalStorage } from "node:async_hooks";
import { DataSource, EntityManager, QueryFailedError } from "typeorm";
import { DomainError, ServiceUnavailableError } from "../shared/errors";
import { retry } from "../shared/retry";
import { mysqlDialect, SqlDialect, sqliteDialect } from "./dialect";

/** What a unit of work sees: the entity manager, raw SQL helpers and an after-commit hook. */
export interface Tx {
  /** Everything that differs between SQLite and MySQL; code outside db/ never branches on the database. */
  readonly dialect: SqlDialect;
  readonly manager: EntityManager;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a write; answers the number of rows it changed. */
  execute(sql: string, params?: unknown[]): Promise<number>;
  /** Runs `fn` once the transaction has committed (publish after commit); never runs on rollback. */
  afterCommit(fn: () => unknown): void;
}

export type Reader = Pick<Tx, "dialect" | "manager" | "query">;

const RETRYABLE_ERRNOS = new Set([1213 /* deadlock */, 1205 /* lock wait timeout */]);
// Deadlocks and lock waits are MySQL's way of saying "run it again"; a small random wait spreads the retries.
const AGAIN = { retryIf: (err: unknown) => isRetryable(err), delayMs: (attempt: number) => Math.floor(Math.random() * 10 * attempt) + 1 };

/** What Db reports: failed after-commit callbacks, and the database going away and coming back (once each). */
export interface DbLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

const SILENT: DbLog = { error() {}, warn() {}, info() {} };

/** The unit of work open in this async context, if any (see `enter`). */
interface Scope {
  kind: "read" | "transaction";
  open: boolean;
}

/**
 * Every database access goes through here. On SQLite, TypeORM shares one connection per process, so a second
 * transaction would become a savepoint inside the first: all work is serialised through one queue. On MySQL,
 * transactions run at READ COMMITTED and deadlocks are retried. A database that cannot be reached surfaces as
 * ServiceUnavailableError (503, with Retry-After), logged once per outage.
 */
export class Db {
  private queue: Promise<unknown> = Promise.resolve();
  readonly dialect: SqlDialect;
  /** Which read or transaction callback the current async context runs in. */
  private readonly scope = new AsyncLocalStorage<Scope>();
  private unreachableSince: number | null = null;

  constructor(
    readonly dataSource: DataSource,
    private readonly log: DbLog = SILENT,
  ) {
    this.dialect = dataSource.options.type === "better-sqlite3" ? sqliteDialect : mysqlDialect;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>, attempts = 6): Promise<T> {
    const nested = this.nestingError("transaction");
    if (nested) return Promise.reject(nested);
    return this.observed(
      this.serialised(() =>
        retry(
          async () => {
            const callbacks: Array<() => unknown> = [];
            const result = await this.enter("transaction", () =>
              this.dataSource.transaction(this.dialect.isolation, (manager) => fn(this.wrap(manager, callbacks))),
            );
            for (const cb of callbacks) {
              try {
                const r = cb();
                if (r instanceof Promise) r.catch((e) => this.log.error({ err: e }, "after-commit callback failed"));
              } catch (e) {
                this.log.error({ err: e }, "after-commit callback failed");
              }
            }
            return result;
          },
          { attempts, ...AGAIN },
        ),
      ),
    );
  }

  read<T>(fn: (r: Reader) => Promise<T>): Promise<T> {
    const nested = this.nestingError("read");
    if (nested) return Promise.reject(nested);
    return this.observed(this.serialised(() => this.enter("read", () => fn(this.wrap(this.dataSource.manager, null)))));
  }

  /** One write statement as its own transaction (no BEGIN/COMMIT round trips); answers the rows it changed. */
  execute(sql: string, params: unknown[] = []): Promise<number> {
    const nested = this.nestingError("execute");
    if (nested) return Promise.reject(nested);
    // A statement that deadlocked was rolled back whole: running it again is safe.
    return this.observed(this.serialised(() => retry(() => this.wrap(this.dataSource.manager, null).execute(sql, params), { attempts: 6, ...AGAIN })));
  }

  /**
   * A read, transaction or statement started from inside another one's callback would wait for itself forever on SQLite (the
   * queue runs one at a time) and, on MySQL, would run outside the transaction it seems to belong to. Refused
   * loudly on every dialect, so the mistake shows in any test: use the `tx` (or `r`) the callback was given.
   */
  private nestingError(what: "read" | "transaction" | "execute"): Error | null {
    const outer = this.scope.getStore();
    if (!outer?.open) return null;
    return new Error(`db.${what}() called inside an open db.${outer.kind}() callback: use the callback's own ${outer.kind === "transaction" ? "tx" : "reader"}`);
  }

  /** Runs `fn` (and everything it awaits) as the open unit of work of this async context. */
  private async enter<T>(kind: Scope["kind"], fn: () => Promise<T>): Promise<T> {
    const scope: Scope = { kind, open: true };
    try {
      return await this.scope.run(scope, fn);
    } finally {
      scope.open = false; // callbacks it left behind (after-commit hooks, timers) may use the database again
    }
  }

  /** Connection failures become ServiceUnavailableError; the outage and the recovery are logged once each. */
  private async observed<T>(work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      if (this.unreachableSince !== null) {
        this.log.info({ unreachableForMs: Date.now() - this.unreachableSince }, "database reachable again");
        this.unreachableSince = null;
      }
      return result;
    } catch (err) {
      if (err instanceof DomainError || !isConnectionError(err)) throw err;
      if (this.unreachableSince === null) {
        this.unreachableSince = Date.now();
        this.log.error({ err }, "database unreachable: requests get 503 until it answers again");
      }
      throw new ServiceUnavailableError(err);
    }
  }


  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    if (this.dialect.name !== "sqlite") return fn();
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private wrap(manager: EntityManager, callbacks: Array<() => unknown> | null): Tx {
    const dialect = this.dialect;
    return {
      dialect,
      manager,
      query: (sql, params = []) => manager.query(sql, params),
      execute: async (sql, params = []) => {
        const runner = manager.queryRunner ?? this.dataSource.createQueryRunner();
        try {
          const result = await runner.query(sql, params, true);
          return result.affected ?? 0;
        } finally {
          if (!manager.queryRunner) await runner.release();
        }
      },
      afterCommit: (fn) => {
        if (!callbacks) throw new Error("afterCommit outside a transaction");
        callbacks.push(fn);
      },
    };
  }
}

export function isRetryable(err: unknown): boolean {
  const e = err as { driverError?: { errno?: number }; errno?: number };
  const errno = e?.driverError?.errno ?? e?.errno;
  return errno !== undefined && RETRYABLE_ERRNOS.has(errno);
}

const CONNECTION_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "PROTOCOL_CONNECTION_LOST", "PROTOCOL_SEQUENCE_TIMEOUT", "ER_CON_COUNT_ERROR", "ER_SERVER_SHUTDOWN"]);
const CONNECTION_ERRNOS = new Set([2002, 2003, 2006, 2013, 1053, 1040]);

/** SQLite: the file is locked by another process past busy_timeout, or cannot be read or written. */
const SQLITE_UNREACHABLE = /^SQLITE_(BUSY|IOERR|CANTOPEN)/;

/**
 * The database could not be reached (as opposed to refusing the statement): worth holding the work and trying again.
 * Db turns such errors into ServiceUnavailableError, which counts as one too.
 */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof ServiceUnavailableError) return true;
  const e = err as { code?: string; errno?: number; driverError?: { code?: string; errno?: number }; message?: string } | null;
  const code = e?.driverError?.code ?? e?.code;
  const errno = e?.driverError?.errno ?? e?.errno;
  if ((code && (CONNECTION_ERRORS.has(code) || SQLITE_UNREACHABLE.test(code))) || (errno !== undefined && CONNECTION_ERRNOS.has(errno))) return true;
  return typeof e?.message === "string" && /connection (is in closed state|lost)|pool is closed|can't add new command when connection is in closed state/i.test(e.message);
}

/** A unique-key violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const d = err.driverError as { errno?: number; code?: string };
  return d?.errno === 1062 || d?.code === "SQLITE_CONSTRAINT_UNIQUE" || d?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Inserts one entity as is (TypeORM's insert typing rejects JSON-typed columns). */
export async function insertRow<T extends object>(tx: Pick<Tx, "manager">, target: new () => T, row: T): Promise<void> {
  await tx.manager.insert(target, row as never);
}
