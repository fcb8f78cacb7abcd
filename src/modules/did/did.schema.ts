import { z } from "zod";
import { enumDocs } from "../../shared/docs";
import { instant, uuid } from "../../shared/json-fields";
import { pageSchemaOf } from "../../shared/page.schema";
import { phoneSchema } from "../contact/contact.schema";

// The shapes of caller IDs (DIDs), described once: the service validates with the input schemas, the REST gateway
// answers with didSchema, the OpenAPI document is generated from them and the GraphQL types take their descriptions.

export enum DidStatus {
  ACTIVE = "active",
  INACTIVE = "inactive",
}

export const didStatusDocs = enumDocs(DidStatus, "Whether calls may show a caller ID", {
  active: "calls may show it",
  inactive: "kept, but no call shows it; a program cannot name it in its pool",
});

export const didSchema = z
  .object({
    id: uuid.describe("The DID's id"),
    number: z.string().describe("The number (E.164), unique in the organization"),
    country: z.string().describe("Its country, ISO 3166 alpha-2 (told from the number when not given)"),
    description: z.string().nullable().describe("A free text about the number, or null"),
    status: z.enum(DidStatus).describe(didStatusDocs.description),
    createdAt: instant.describe("When it was created"),
    updatedAt: instant.describe("When it last changed"),
  })
  .describe("A caller ID: a number the organization owns at its carrier, which programs put in their DID pool");

export const didPageSchema = pageSchemaOf(didSchema, "DIDs, newest first");

const like = (field: keyof typeof didSchema.shape) => didSchema.shape[field].description!;

const country = z
  .string({ error: "must be an ISO 3166 alpha-2 country code such as US" })
  .trim()
  .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166 alpha-2 country code such as US")
  .transform((c) => c.toUpperCase())
  .describe(like("country"));
const description = z.string({ error: "must be a string" }).trim().max(1000, "must be at most 1000 characters").nullable().optional().describe(like("description"));
const status = z.enum(DidStatus, { error: "must be active or inactive" }).describe(`${like("status")} (default active)`);

export const didInputSchema = z
  .strictObject({ number: phoneSchema.describe(like("number")), country: country.optional(), description, status: status.optional() })
  .describe("A new DID");

export const didPatchSchema = z
  .strictObject({ country: country.optional(), description, status: status.optional() })
  .describe("Changes to a DID: fields left out keep their value (the number cannot change)");

export const didOps = {
  create: "Add a caller ID (a second DID with the same number is DidAlreadyExistsError)",
  get: "A DID",
  list: "DIDs, newest first",
  update: "Change a DID's country, description or status",
  delete: "Delete a DID that no non-archived program has in its pool",
};
