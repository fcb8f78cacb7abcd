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

export function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "input";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** An ISO-8601 date-time string or Date → Date. */
export const zDate = z.union([
  z.date(),
  z
    .string()
    .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), "must be an ISO-8601 date-time")
    .transform((s) => new Date(s)),
]);
