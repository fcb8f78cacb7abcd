import { isValidPhoneNumber } from "libphonenumber-js";
import { z } from "zod";
import { instant, jsonObject, uuid } from "../../shared/json-fields";
import { pageSchemaOf } from "../../shared/page.schema";

// The shapes of contacts, described once: the services validate with the input schemas, the REST gateway answers
// with contactSchema, the OpenAPI document is generated from them and the GraphQL types take their descriptions.

export const MAX_UPSERT_ROWS = 10_000;

const E164 = /^\+[1-9]\d{1,14}$/;

export const contactSchema = z
  .object({
    id: uuid.describe("The contact's id"),
    primaryPhone: z.string().describe("The phone number called: E.164 (+14155550123), valid for its country, unique in the organization"),
    firstName: z.string().nullable().describe("First name, or null"),
    lastName: z.string().nullable().describe("Last name, or null"),
    primaryEmail: z.string().nullable().describe("Email address, or null"),
    customAttributes: jsonObject.describe("The organization's own data about the contact (a JSON object, at most 16 KB), readable by call flows"),
    createdAt: instant.describe("When it was created"),
    updatedAt: instant.describe("When it last changed"),
  })
  .describe("A person to call");

export const contactPageSchema = pageSchemaOf(contactSchema, "contacts, newest first");

const like = (field: keyof typeof contactSchema.shape) => contactSchema.shape[field].description!;

export const phoneSchema = z
  .string({ error: "must be a string" })
  .trim()
  .refine((p) => E164.test(p), "must be an E.164 phone number such as +14155550123")
  .refine((p) => !E164.test(p) || isValidPhoneNumber(p), "is not a valid phone number for its country")
  .meta({ pattern: E164.source, examples: ["+14155550123"] });

const optionalText = (max: number) =>
  z.string({ error: "must be a string" }).trim().max(max, `must be at most ${max} characters`).nullable().optional();

const customAttributes = z
  .record(z.string(), z.unknown(), { error: "must be a JSON object" })
  .refine((o) => JSON.stringify(o).length <= 16_384, "must be at most 16 KB of JSON");

export const contactInputSchema = z
  .strictObject({
    primaryPhone: phoneSchema.describe(like("primaryPhone")),
    firstName: optionalText(100).describe(like("firstName")),
    lastName: optionalText(100).describe(like("lastName")),
    primaryEmail: z.email({ error: "must be an email address" }).max(254).nullable().optional().describe(like("primaryEmail")),
    customAttributes: customAttributes.nullable().optional().describe(like("customAttributes")),
  })
  .describe("A contact as sent; in a bulk upsert, fields left out (or null) keep their stored value");
export type ContactInputData = z.output<typeof contactInputSchema>;

export const contactPatchSchema = contactInputSchema.partial().describe("Changes to a contact: fields left out keep their value");

export const contactUpsertSchema = z
  .object({
    data: z
      .array(contactInputSchema)
      .min(1)
      .max(MAX_UPSERT_ROWS)
      .describe(`Contacts to create or update, matched by primaryPhone: up to ${MAX_UPSERT_ROWS.toLocaleString("en-US")}, all or nothing`),
  })
  .describe("A bulk upsert");

export const contactUpsertResultSchema = z
  .object({ data: z.array(contactSchema).describe("The contacts, in the order they were sent") })
  .describe("The upserted contacts");

export const contactOps = {
  create: "Create one contact (a phone the organization already has is a ValidationError)",
  upsert: "Create or update contacts matched by phone, all or nothing: one bad row rejects the request, naming every bad row",
  get: "A contact",
  list: "Contacts, newest first",
  update: "Change a contact; fields left out keep their value",
  delete: "Delete a contact and its audience memberships (execution snapshots keep their copy)",
};
