import { z } from "zod";
import { instant, uuid } from "../../shared/json-fields";
import { isTimeZone } from "../rules/rule-times";

// The organization's own settings, described once: the REST gateway (GET/PATCH /api/organization) and GraphQL
// (`organization`, `updateOrganization`) read and write them with these schemas.

export const MAX_ORGANIZATION_CALLS = 100_000;

export const organizationSchema = z
  .object({
    id: uuid.describe("The organization's id"),
    name: z.string().describe("Its name"),
    timezone: z.string().describe("Its IANA time zone (default UTC): pause windows are in it, and callees whose number has no zone are judged in it"),
    maxConcurrentCalls: z
      .number()
      .int()
      .nullable()
      .describe("Most calls in progress at once across every execution and dispatcher of the organization; null: no organization-wide cap"),
    createdAt: instant.describe("When it was created"),
  })
  .describe("The caller's own organization and its settings");

export const organizationPatchSchema = z
  .strictObject({
    timezone: z
      .string({ error: "must be an IANA time zone such as Europe/Paris" })
      .refine(isTimeZone, { message: "must be an IANA time zone such as Europe/Paris or America/New_York" })
      .optional()
      .describe(organizationSchema.shape.timezone.description!),
    maxConcurrentCalls: z
      .number({ error: `must be a whole number from 1 to ${MAX_ORGANIZATION_CALLS}, or null` })
      .int(`must be a whole number from 1 to ${MAX_ORGANIZATION_CALLS}, or null`)
      .min(1, `must be a whole number from 1 to ${MAX_ORGANIZATION_CALLS}, or null`)
      .max(MAX_ORGANIZATION_CALLS, `must be a whole number from 1 to ${MAX_ORGANIZATION_CALLS}, or null`)
      .nullable()
      .optional()
      .describe(organizationSchema.shape.maxConcurrentCalls.description!),
  })
  .describe("Changes to the organization's settings: fields left out keep their value");

export const organizationOps = {
  get: "The caller's organization and its settings",
  update: "Change the caller's organization settings (time zone, organization-wide cap)",
};
