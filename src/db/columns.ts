import { Column, ColumnOptions, DefaultNamingStrategy, NamingStrategyInterface, ValueTransformer } from "typeorm";

// Instants are stored as epoch milliseconds (BIGINT) on every dialect: the same comparisons and arithmetic in SQL on
// SQLite and MySQL, millisecond precision as the contract shows, and no session time zone to get wrong.
export const epochMs: ValueTransformer = {
  to: (value: Date | null | undefined) => (value == null ? value : value.getTime()),
  from: (value: string | number | null) => (value == null ? null : new Date(Number(value))),
};

export function DateColumn(options: { nullable?: boolean; name?: string } = {}): PropertyDecorator {
  return Column({ type: "bigint", transformer: epochMs, nullable: options.nullable ?? false, name: options.name });
}

// JSON is kept as text: MariaDB's JSON is LONGTEXT with a check constraint that never converges in schema diffs,
// and SQLite has no JSON type.
export const jsonText: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? undefined : JSON.stringify(value)),
  from: (value: string | null) => (value == null ? null : JSON.parse(value)),
};

export function JsonColumn(options: Omit<ColumnOptions, "type" | "transformer"> = {}): PropertyDecorator {
  return Column({ type: "text", transformer: jsonText, ...options });
}

export function IdColumn(name?: string): PropertyDecorator {
  return Column({ type: "varchar", length: 36, name });
}

/** Instant from a raw row (BIGINT comes back as a string from mysql2, a number from better-sqlite3). */
export function toDate(value: unknown): Date | null {
  return value == null ? null : new Date(Number(value));
}

export function toInt(value: unknown): number {
  return Number(value);
}

/** camelCase properties → snake_case columns, so raw SQL reads naturally. */
export class SnakeNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  override columnName(propertyName: string, customName: string | undefined, prefixes: string[]): string {
    return customName ?? snake([...prefixes, propertyName].join("_"));
  }
}

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}
