import type { z } from "zod";
import { pageQuerySchema } from "./page.schema";
import { parseInput } from "./validation";

export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "./page.schema";

export interface PageRequest {
  page: number;
  limit: number;
  offset: number;
}

export interface PageMeta {
  page: number;
  limit: number;
  total: number;
  totalPages: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export interface Page<T> {
  data: T[];
  meta: PageMeta;
}

/**
 * Validates a listing's query: `page` (from 1), `limit` (1..100, default 20) and the filters its schema adds. Takes
 * numbers or query-string text; null and "" count as absent.
 */
export function parseListing<S extends z.ZodType<{ page: number; limit: number }>>(schema: S, input: object): z.output<S> & PageRequest {
  const clean = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, v === null || v === "" ? undefined : v]));
  const parsed = parseInput(schema, clean);
  return { ...parsed, offset: (parsed.page - 1) * parsed.limit };
}

/** Validates `page` and `limit` alone. */
export function parsePage(input: { page?: unknown; limit?: unknown }): PageRequest {
  const { page, limit, offset } = parseListing(pageQuerySchema, { page: input.page, limit: input.limit });
  return { page, limit, offset };
}

export function pageOf<T>(data: T[], total: number, req: PageRequest): Page<T> {
  const totalPages = Math.ceil(total / req.limit);
  return {
    data,
    meta: {
      page: req.page,
      limit: req.limit,
      total,
      totalPages,
      hasNextPage: req.page < totalPages,
      hasPreviousPage: req.page > 1,
    },
  };
}
