import { z } from "zod";
import { FieldProblem, ValidationError } from "./errors";

/** Parse with a zod schema; every issue becomes a FieldProblem naming its path under `prefix`. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(zodProblems(result.error, prefix));
}

export function zodProblems(error: z.ZodError, prefix = ""): FieldProblem[] {
  return error.issues.map((issue) => ({ field: fieldPath(prefix, issue.path), message: issue.message }));
}

/** `a.b` for identifier-like keys, `a["*"]` otherwise, so paths of digit and symbol keys stay unambiguous. */
export function keyPath(base: string, key: string): string {
  if (!base) return key;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

export function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) out = typeof key === "number" ? `${out}[${key}]` : keyPath(out, String(key));
  return out || "input";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** How a value reads in a message: strings quoted, objects and arrays by kind. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value === "object" ? "an object" : String(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string with something besides spaces in it (kept as given). */
export function nonEmptyText(message = "must be a non-empty string") {
  return z.string({ error: message }).refine((s) => s.trim().length > 0, message);
}

const DATE_TIME = "must be an ISO-8601 date-time";

/** An ISO-8601 date-time (a Date too, as the GraphQL DateTime scalar hands it over) → Date. */
export const zDate = z
  .preprocess(
    (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : v),
    z
      .string({ error: DATE_TIME })
      .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), DATE_TIME)
      .meta({ format: "date-time", examples: ["2030-01-20T09:00:00Z"] }),
  )
  .transform((s) => new Date(s));

/** JSON Schema (2020-12) of a zod schema as a client sends it, without the `$schema` header. */
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  return json;
}

/**
 * A union whose member is picked from the input (a literal or an object, say), so a bad value gets the issues of the
 * member it was meant to be, at their own paths, rather than zod's "no member matched". `pick` answers the member, or
 * a message when none fits. Documented as the plain union of its members.
 */
export function unionBy<const T extends readonly [z.ZodType, ...z.ZodType[]]>(members: T, pick: (input: unknown) => T[number] | string) {
  return z
    .unknown()
    .transform((input, ctx): z.output<T[number]> => {
      const member = pick(input);
      if (typeof member === "string") {
        ctx.issues.push({ code: "custom", message: member, input });
        return z.NEVER;
      }
      const result = member.safeParse(input);
      if (result.success) return result.data;
      for (const issue of result.error.issues) ctx.issues.push({ code: "custom", message: issue.message, path: issue.path, input });
      return z.NEVER;
    })
    .meta(inputJsonSchema(z.union(members)));
}
