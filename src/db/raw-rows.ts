import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { DriverUtils } from "typeorm/driver/DriverUtils";

// A query builder's entities without TypeORM's per-row result transformer, which costs more CPU than the query
// itself on bulk reads (an export reads a million rows). Only for single-entity queries (no joins): each column is
// read from its alias and hydrated by the driver exactly as TypeORM would (transformers included), into an instance
// of the entity, so the result equals getMany()'s.

export async function getManyPlain<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): Promise<T[]> {
  const main = qb.expressionMap.mainAlias!;
  if (qb.expressionMap.joinAttributes.length > 0) throw new Error("getManyPlain reads single-entity queries only");
  const meta = main.metadata;
  const driver = qb.connection.driver;
  // The aliases TypeORM selects each column as.
  const columns = meta.columns.map((c) => ({ c, key: DriverUtils.buildAlias(driver, undefined, main.name, c.databaseName) }));
  const rows: Array<Record<string, unknown>> = await qb.getRawMany();
  return rows.map((row) => {
    const entity = meta.create() as Record<string, unknown>;
    for (const { c, key } of columns) entity[c.propertyName] = driver.prepareHydratedValue(row[key], c);
    return entity as T;
  });
}
