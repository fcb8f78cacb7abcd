import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { DriverUtils } from "typeorm/driver/DriverUtils";
import type { Reader } from "./db";

// A query builder's entities without TypeORM's per-row result transformer, which costs more CPU than the query
// itself on bulk reads (an export reads a million rows). Only for single-entity queries (no joins): each column is
// read from its alias and hydrated by the driver exactly as TypeORM would (transformers included), into an instance
// of the entity, so the result equals getMany()'s. `forceIndex` names the index the planner must use for the main
// table, where the dialect needs telling (see SqlDialect.forceIndex).

export async function getManyPlain<T extends ObjectLiteral>(r: Reader, qb: SelectQueryBuilder<T>, opts: { forceIndex?: string } = {}): Promise<T[]> {
  const main = qb.expressionMap.mainAlias!;
  if (qb.expressionMap.joinAttributes.length > 0) throw new Error("getManyPlain reads single-entity queries only");
  const meta = main.metadata;
  const driver = qb.connection.driver;
  let [sql, params] = qb.getQueryAndParameters();
  const hint = opts.forceIndex ? r.dialect.forceIndex(opts.forceIndex) : "";
  if (hint) {
    const from = `FROM ${driver.escape(meta.tableName)} ${driver.escape(main.name)}`;
    if (sql.split(from).length !== 2) throw new Error(`cannot place an index hint in: ${sql}`);
    sql = sql.replace(from, `${from}${hint}`);
  }
  // The aliases TypeORM selects each column as.
  const columns = meta.columns.map((c) => ({ c, key: DriverUtils.buildAlias(driver, undefined, main.name, c.databaseName) }));
  const rows = await r.query(sql, params);
  return rows.map((row) => {
    const entity = meta.create() as Record<string, unknown>;
    for (const { c, key } of columns) entity[c.propertyName] = driver.prepareHydratedValue(row[key], c);
    return entity as T;
  });
}
