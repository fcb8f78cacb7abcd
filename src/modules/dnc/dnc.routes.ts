import { route } from "../../http/rest/route";
import { dncAddResultSchema, dncAddSchema, dncEntrySchema, dncOps, dncPageSchema, dncQuerySchema } from "./dnc.schema";

const number = { name: "number", description: "The number (E.164, e.g. +14155550123; a number not listed, or malformed, answers 404)" };

/** The REST routes of the do-not-call list. */
export const dncRoutes = [
  route({
    method: "post",
    path: "/dnc",
    operationId: "addDncNumbers",
    tag: "Do-not-call",
    summary: dncOps.add,
    body: { schema: dncAddSchema, required: true },
    status: 200,
    response: dncAddResultSchema,
    handle: (s, { org, body }) => s.dnc.add(org, body),
  }),
  route({
    method: "get",
    path: "/dnc",
    operationId: "listDncNumbers",
    tag: "Do-not-call",
    summary: dncOps.list,
    query: dncQuerySchema,
    status: 200,
    response: dncPageSchema,
    handle: (s, { org, query }) => s.dnc.list(org, query),
  }),
  route({
    method: "get",
    path: "/dnc/{number}",
    operationId: "getDncNumber",
    tag: "Do-not-call",
    summary: dncOps.get,
    pathParam: number,
    status: 200,
    response: dncEntrySchema,
    handle: (s, { org, id }) => s.dnc.get(org, id),
  }),
  route({
    method: "delete",
    path: "/dnc/{number}",
    operationId: "removeDncNumber",
    tag: "Do-not-call",
    summary: dncOps.remove,
    pathParam: number,
    status: 200,
    response: dncEntrySchema,
    handle: (s, { org, id }) => s.dnc.remove(org, id),
  }),
];
