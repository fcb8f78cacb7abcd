import { z } from "zod";
import { parseInput } from "./validation";

export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;

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

const pageSchema = z.object({
  page: z.coerce.number({ message: "must be a whole number" }).int("must be a whole number").min(1, "must be at least 1").default(1),
  limit: z.coerce
    .number({ message: "must be a whole number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(MAX_PAGE_LIMIT, `must be at most ${MAX_PAGE_LIMIT}`)
    .default(DEFAULT_PAGE_LIMIT),
});

/** Validates `page` (from 1) and `limit` (1..100, default 20). Accepts numbers or query-string text. */
export function parsePage(input: { page?: unknown; limit?: unknown }): PageRequest {
  const clean = {
    page: input.page === null || input.page === "" ? undefined : input.page,
    limit: input.limit === null || input.limit === "" ? undefined : input.limit,
  };
  const { page, limit } = parseInput(pageSchema, clean);
  return { page, limit, offset: (page - 1) * limit };
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
