import { z } from "zod";
import { count, instant, uuid } from "../../shared/json-fields";
import { pageSchemaOf } from "../../shared/page.schema";

// The shapes of audiences, described once: the services validate with the input schemas, the REST gateway answers
// with audienceSchema, the OpenAPI document is generated from them and the GraphQL types take their descriptions.

export const MAX_MEMBERSHIP_CHANGE = 10_000;

export const audienceSchema = z
  .object({
    id: uuid.describe("The audience's id"),
    name: z.string().describe("The audience's name"),
    description: z.string().nullable().describe("A free text about the audience, or null"),
    contactCount: count.describe("Contacts in the audience now"),
    createdAt: instant.describe("When it was created"),
    updatedAt: instant.describe("When it or its membership last changed"),
  })
  .describe("A list of contacts a program calls; a contact may belong to many audiences. A launch snapshots it");

export const audiencePageSchema = pageSchemaOf(audienceSchema, "audiences, newest first");

const like = (field: keyof typeof audienceSchema.shape) => audienceSchema.shape[field].description!;

export const audienceInputSchema = z
  .strictObject({
    name: z.string({ error: "must be a string" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters").describe(like("name")),
    description: z.string({ error: "must be a string" }).max(1000, "must be at most 1000 characters").nullable().optional().describe(like("description")),
  })
  .describe("A new audience (empty: add contacts to it)");

export const audiencePatchSchema = audienceInputSchema.partial().describe("Changes to an audience: fields left out keep their value");

export const contactIdsSchema = z
  .array(z.string({ error: "must be a contact id" }), { error: "must be an array of contact ids" })
  .min(1, "must hold at least one contact id")
  .max(MAX_MEMBERSHIP_CHANGE, `must hold at most ${MAX_MEMBERSHIP_CHANGE} contact ids`)
  .describe(`Ids of the organization's contacts, 1 to ${MAX_MEMBERSHIP_CHANGE.toLocaleString("en-US")}`);

/** The REST body of add-contacts and remove-contacts. */
export const contactIdsBodySchema = z.object({ contacts: contactIdsSchema }).describe("Contacts to add or remove");

export const audienceOps = {
  create: "Create an audience",
  get: "An audience",
  list: "Audiences, newest first",
  update: "Change an audience's name or description",
  delete: "Delete an audience that no non-archived program uses (its contacts stay)",
  addContacts: "Add contacts to an audience (ones already in it are ignored)",
  removeContacts: "Remove contacts from an audience",
  members: "The audience's contacts, most recently added first",
};
