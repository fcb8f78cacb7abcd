import type { DataSource } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import type { Reader } from "../../db/db";
import { ProgramExecution } from "./execution.entity";

// One execution by primary key in plain SQL. Reading an execution is the API's hottest path (scripts and dashboards
// poll GET /api/program-executions/{id}); TypeORM's findOneBy spends about 0.5 ms of CPU building the query and
// hydrating the entity around a SELECT that costs a tenth of that. The column list and the mapping come from the
// entity's TypeORM metadata, read once per data source, and each value is hydrated by the driver exactly as TypeORM
// would (transformers included), so a new column is read with no change here.

interface RowMapper {
  /** `SELECT <columns> FROM program_executions`. */
  select: string;
  fromRow(row: Record<string, unknown>): ProgramExecution;
}

const mappers = new WeakMap<DataSource, RowMapper>();

function mapperFor(ds: DataSource): RowMapper {
  let mapper = mappers.get(ds);
  if (!mapper) {
    const meta = ds.getMetadata(ProgramExecution);
    const columns: ColumnMetadata[] = meta.columns;
    const driver = ds.driver;
    mapper = {
      select: `SELECT ${columns.map((c) => c.databaseName).join(", ")} FROM ${meta.tableName}`,
      fromRow(row) {
        const execution = new ProgramExecution();
        for (const c of columns) (execution as unknown as Record<string, unknown>)[c.propertyName] = driver.prepareHydratedValue(row[c.databaseName], c);
        return execution;
      },
    };
    mappers.set(ds, mapper);
  }
  return mapper;
}

/** One execution by id (within an organization when given); `forUpdate` locks the row for the transaction. */
export async function selectExecution(
  r: Reader,
  id: string,
  organizationId?: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ProgramExecution | null> {
  const mapper = mapperFor(r.manager.connection);
  const lock = opts.forUpdate ? r.dialect.lock() : "";
  const rows = organizationId
    ? await r.query(`${mapper.select} WHERE id = ? AND organization_id = ?${lock}`, [id, organizationId])
    : await r.query(`${mapper.select} WHERE id = ?${lock}`, [id]);
  return rows.length ? mapper.fromRow(rows[0]) : null;
}
