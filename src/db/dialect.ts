// Every difference between the two databases, in one object. Code outside db/ writes one statement and asks the
// dialect for the parts that differ; it never branches on which database it talks to.

export type DialectName = "sqlite" | "mysql";

export interface SqlDialect {
  readonly name: DialectName;
  /** Isolation of write transactions: READ COMMITTED on MySQL; SQLite's transactions are serialised in-process. */
  readonly isolation: "READ COMMITTED" | "SERIALIZABLE";
  /**
   * Row-lock suffix of a SELECT that the rest of the transaction relies on. SQLite needs none (one writer at a time);
   * `skipLocked` lets concurrent claimers pass over rows another transaction holds.
   */
  lock(opts?: { skipLocked?: boolean }): string;
  /** The database's own clock in epoch milliseconds, as an SQL expression (one clock for every host). */
  readonly nowMs: string;
  /** `INSERT … ` that leaves rows whose key already exists untouched. */
  readonly insertIgnore: string;
  /** The tail of an upsert: on a clash of `conflictColumns`, apply `set` (write new values as `incoming(col)`). */
  onConflict(conflictColumns: string[], set: (incoming: (column: string) => string) => string[]): string;
  /**
   * UPDATE `table` from a list of rows, joined on `key`: `rows` rows of `[key, ...columns, ...compare]` parameters.
   * `columns` are assigned; `compare` columns are only there for `where`, a condition on the target row (alias `t`)
   * and the row's values (alias `v`); `also` assigns SQL expressions. One statement, locking only the matched rows.
   */
  updateFromRows(table: string, key: string, columns: readonly string[], rows: number, opts?: UpdateFromRowsOptions): string;
  /** A FROM-able sequence of integers 1..n in column `seq` (bench and seed data only). */
  series(n: number): { with: string; from: string };
  /** A random UUID, as an SQL expression (seed data). */
  readonly uuid: string;
  /** String concatenation of SQL expressions. */
  concat(...parts: string[]): string;
  /**
   * What follows a table in FROM to make the planner use `index` as a range. MariaDB reads a descending keyset
   * (`started_at <= ? … ORDER BY started_at DESC LIMIT n`) from the top of the index otherwise, every chunk rescanning
   * all the rows before it; SQLite plans it right by itself.
   */
  forceIndex(index: string): string;
  /**
   * The elements of a JSON array held as text in `column`, one row each, to comma-join after the table that holds
   * the column (`FROM t, <from>`); `value` is an element's text, NULL for a column holding JSON null (filter on it).
   */
  jsonArrayRows(column: string, alias: string): { from: string; value: string };
}

export interface UpdateFromRowsOptions {
  where?: string;
  compare?: readonly string[];
  also?: Record<string, string>;
}

const marks = (n: number): string => Array(n).fill("?").join(", ");

function assignments(columns: readonly string[], also: Record<string, string> | undefined, target: string): string {
  return [...columns.map((c) => `${target}${c} = v.${c}`), ...Object.entries(also ?? {}).map(([c, expr]) => `${target}${c} = ${expr}`)].join(", ");
}

function rowsSelect(key: string, columns: readonly string[], rows: number): string {
  const first = `SELECT ${[key, ...columns].map((c) => `? AS ${c}`).join(", ")}`;
  const rest = `SELECT ${marks(columns.length + 1)}`;
  return Array.from({ length: rows }, (_, i) => (i === 0 ? first : rest)).join(" UNION ALL ");
}

export const mysqlDialect: SqlDialect = {
  name: "mysql",
  isolation: "READ COMMITTED",
  lock: (opts = {}) => (opts.skipLocked ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE"),
  nowMs: "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)",
  insertIgnore: "INSERT IGNORE",
  onConflict: (_cols, set) => `ON DUPLICATE KEY UPDATE ${set((c) => `VALUES(${c})`).join(", ")}`,
  // A join on the primary key locks only those rows (an upsert would take next-key locks on the unique index).
  updateFromRows: (table, key, columns, rows, o = {}) =>
    `UPDATE ${table} t JOIN (${rowsSelect(key, [...columns, ...(o.compare ?? [])], rows)}) v ON v.${key} = t.${key}
     SET ${assignments(columns, o.also, "t.")}${o.where ? ` WHERE ${o.where}` : ""}`,
  // MariaDB's sequence engine.
  series: (n) => ({ with: "", from: `(SELECT seq FROM seq_1_to_${Math.floor(n)}) s` }),
  uuid: "UUID()",
  concat: (...parts) => `CONCAT(${parts.join(", ")})`,
  forceIndex: (index) => ` FORCE INDEX (\`${index}\`)`,
  // Compared byte for byte, trailing spaces included (node ids are case- and space-sensitive, as in SQLite).
  jsonArrayRows: (column, alias) => ({
    from: `JSON_TABLE(${column}, '$[*]' COLUMNS (v VARCHAR(1000) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$')) ${alias}`,
    value: `${alias}.v`,
  }),
};

export const sqliteDialect: SqlDialect = {
  name: "sqlite",
  isolation: "SERIALIZABLE",
  lock: () => "",
  nowMs: "CAST(unixepoch('subsec') * 1000 AS INTEGER)",
  insertIgnore: "INSERT OR IGNORE",
  onConflict: (cols, set) => `ON CONFLICT (${cols.join(", ")}) DO UPDATE SET ${set((c) => `excluded.${c}`).join(", ")}`,
  updateFromRows: (table, key, columns, rows, o = {}) =>
    `UPDATE ${table} AS t SET ${assignments(columns, o.also, "")}
     FROM (${rowsSelect(key, [...columns, ...(o.compare ?? [])], rows)}) AS v WHERE v.${key} = t.${key}${o.where ? ` AND ${o.where}` : ""}`,
  series: (n) => ({
    with: `WITH RECURSIVE s(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < ${Math.floor(n)})`,
    from: "s",
  }),
  uuid: "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))",
  concat: (...parts) => parts.join(" || "),
  forceIndex: () => "",
  jsonArrayRows: (column, alias) => ({ from: `json_each(${column}) ${alias}`, value: `${alias}.value` }),
};
