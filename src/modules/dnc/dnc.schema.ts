import { z } from "zod";
import { enumDocs } from "../../shared/docs";
import { instant } from "../../shared/json-fields";
import { pageQuerySchema, pageSchemaOf } from "../../shared/page.schema";
import { MAX_UPSERT_ROWS, phoneSchema } from "../contact/contact.schema";

// The do-not-call list of an organization, described once: checked every time a contact is about to be dialled.

export enum DncSource {
  API = "api",
  OPT_OUT = "opt_out",
}

export const dncSourceDocs = enumDocs(DncSource, "How a number got on the list", {
  api: "added through the API",
  opt_out: "the callee asked for it in a call (an opt_out node)",
});

export const dncEntrySchema = z
  .object({
    number: z.string().describe("The number (E.164)"),
    reason: z.string().nullable().describe("Why it is listed, or null"),
    source: z.enum(DncSource).describe(dncSourceDocs.description),
    createdAt: instant.describe("When it was listed"),
  })
  .describe("A number that must never be called: a contact with it is skipped (skipReason dnc)");

export const dncPageSchema = pageSchemaOf(dncEntrySchema, "listed numbers, newest first");

export const MAX_DNC_ROWS = MAX_UPSERT_ROWS;

export const dncAddSchema = z
  .strictObject({
    numbers: z
      .array(phoneSchema, { error: "must be an array of E.164 phone numbers" })
      .min(1, "must hold at least one number")
      .max(MAX_DNC_ROWS, `must hold at most ${MAX_DNC_ROWS} numbers per request`)
      .describe(`Numbers to list (E.164, valid for their country), up to ${MAX_DNC_ROWS}; all or nothing`),
    reason: z.string({ error: "must be a string" }).trim().max(200, "must be at most 200 characters").nullable().optional().describe("Why they are listed"),
  })
  .describe("Numbers to put on the do-not-call list");

export const dncAddResultSchema = z
  .object({
    added: z.number().int().min(0).describe("Numbers newly listed"),
    alreadyListed: z.number().int().min(0).describe("Numbers that were listed already (left as they were)"),
  })
  .describe("What a bulk add did");

export const dncQuerySchema = pageQuerySchema
  .extend({
    search: z
      .string({ error: "must be a number prefix such as +1415" })
      .regex(/^\+?\d{0,15}$/, "must be a number prefix such as +1415")
      .optional()
      .describe("Only numbers starting with this prefix"),
  })
  .describe("Which listed numbers to answer");

export const dncOps = {
  add: "Put numbers on the do-not-call list (all or nothing)",
  list: "The do-not-call list, newest first",
  get: "One listed number",
  remove: "Take a number off the do-not-call list",
};
