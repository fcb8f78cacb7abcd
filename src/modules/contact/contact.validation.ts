import { isValidPhoneNumber } from "libphonenumber-js";
import { z } from "zod";

const E164 = /^\+[1-9]\d{1,14}$/;

export const phoneSchema = z
  .string({ message: "must be a string" })
  .trim()
  .refine((p) => E164.test(p), "must be an E.164 phone number such as +14155550123")
  .refine((p) => !E164.test(p) || isValidPhoneNumber(p), "is not a valid phone number for its country");

const optionalText = (max: number) =>
  z.string({ message: "must be a string" }).trim().max(max, `must be at most ${max} characters`).nullable().optional();

const customAttributes = z
  .record(z.string(), z.unknown(), { message: "must be a JSON object" })
  .refine((o) => JSON.stringify(o).length <= 16_384, "must be at most 16 KB of JSON");

export const contactInputSchema = z.strictObject({
  primaryPhone: phoneSchema,
  firstName: optionalText(100),
  lastName: optionalText(100),
  primaryEmail: z.email({ message: "must be an email address" }).max(254).nullable().optional(),
  customAttributes: customAttributes.nullable().optional(),
});
export type ContactInputData = z.output<typeof contactInputSchema>;

export const contactPatchSchema = contactInputSchema.partial();
export type ContactPatchData = z.output<typeof contactPatchSchema>;

export const MAX_UPSERT_ROWS = 10_000;
