import { z } from "zod";
import { count } from "./json-fields";

// Pages of every listing (REST and GraphQL alike): `{ data, meta }`, page from 1, limit 1..100.

export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;

const WHOLE = "must be a whole number";

/** `page` and `limit` as a listing takes them: numbers, or query-string text. */
export const pageQuerySchema = z.object({
  page: z.coerce
    .number({ error: WHOLE })
    .int(WHOLE)
    .min(1, "must be at least 1")
    .default(1)
    .describe("Page number, from 1 (default 1)"),
  limit: z.coerce
    .number({ error: WHOLE })
    .int(WHOLE)
    .min(1, "must be at least 1")
    .max(MAX_PAGE_LIMIT, `must be at most ${MAX_PAGE_LIMIT}`)
    .default(DEFAULT_PAGE_LIMIT)
    .describe(`Items per page, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}); more is a ValidationError`),
});

export const pageMetaSchema = z
  .object({
    page: z.number().int().min(1).describe("This page's number, from 1"),
    limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).describe("Items per page"),
    total: count.describe("Items in the whole listing"),
    totalPages: count.describe("Pages in the whole listing at this limit"),
    hasNextPage: z.boolean().describe("Whether a later page has items"),
    hasPreviousPage: z.boolean().describe("Whether this is not the first page"),
  })
  .describe("Where this page sits in the listing");

/** The page envelope of an item schema; `what` says what the listing holds and in which order. */
export function pageSchemaOf<T extends z.ZodType>(item: T, what: string) {
  return z
    .object({
      data: z.array(item).describe("This page's items, in the listing's order"),
      meta: pageMetaSchema.describe("Where this page sits in the listing"),
    })
    .describe(`A page of ${what}`);
}
