import { CONFLICT, found, route } from "../../http/rest/route";
import { ValidationError } from "../../shared/errors";
import { pageQuerySchema } from "../../shared/page.schema";
import { contactInputSchema, contactOps, contactPageSchema, contactPatchSchema, contactSchema, contactUpsertResultSchema, contactUpsertSchema } from "./contact.schema";

/** The REST routes of contacts. */
export const contactRoutes = [
  route({
    method: "post",
    path: "/contact",
    operationId: "createContact",
    tag: "Contacts",
    summary: contactOps.create,
    body: { schema: contactInputSchema, required: true },
    status: 201,
    response: contactSchema,
    handle: (s, { org, body }) => s.contacts.createContact(org, body),
  }),
  route({
    method: "post",
    path: "/contact/upsert",
    operationId: "upsertContacts",
    tag: "Contacts",
    summary: contactOps.upsert,
    body: { schema: contactUpsertSchema, required: true },
    status: 200,
    response: contactUpsertResultSchema,
    async handle(s, { org, body }) {
      if (body.data === undefined) throw new ValidationError('is required: send { "data": [ { "primaryPhone": "+14155550123" }, … ] }', "data");
      return { data: await s.contacts.upsertContacts(org, body.data, "data") };
    },
  }),
  route({
    method: "get",
    path: "/contact",
    operationId: "listContacts",
    tag: "Contacts",
    summary: contactOps.list,
    query: pageQuerySchema,
    status: 200,
    response: contactPageSchema,
    handle: (s, { org, query }) => s.contacts.listContacts(org, query),
  }),
  route({
    method: "get",
    path: "/contact/{id}",
    operationId: "getContact",
    tag: "Contacts",
    summary: contactOps.get,
    id: "Contact",
    status: 200,
    response: contactSchema,
    handle: async (s, { org, id }) => found(await s.contacts.getContact(org, id), "Contact", id),
  }),
  route({
    method: "put",
    path: "/contact/{id}",
    operationId: "updateContact",
    tag: "Contacts",
    summary: contactOps.update,
    id: "Contact",
    body: { schema: contactPatchSchema, required: true },
    status: 200,
    response: contactSchema,
    handle: (s, { org, id, body }) => s.contacts.updateContact(org, id, body),
  }),
  route({
    method: "delete",
    path: "/contact/{id}",
    operationId: "deleteContact",
    tag: "Contacts",
    summary: contactOps.delete,
    id: "Contact",
    status: 200,
    response: contactSchema,
    errors: [CONFLICT],
    handle: (s, { org, id }) => s.contacts.deleteContact(org, id),
  }),
];
