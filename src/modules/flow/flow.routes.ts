import { CONFLICT, found, route } from "../../http/rest/route";
import { pageQuerySchema } from "../../shared/page.schema";
import { flowInputSchema, flowOps, flowPageSchema, flowSchema } from "./flow.schema";

/** The REST routes of flows. */
export const flowRoutes = [
  route({
    method: "post",
    path: "/flows",
    operationId: "createFlow",
    tag: "Flows",
    summary: flowOps.create,
    body: { schema: flowInputSchema, required: true },
    status: 201,
    response: flowSchema,
    handle: (s, { org, body }) => s.flows.createFlow(org, body),
  }),
  route({
    method: "get",
    path: "/flows",
    operationId: "listFlows",
    tag: "Flows",
    summary: flowOps.list,
    query: pageQuerySchema,
    status: 200,
    response: flowPageSchema,
    handle: (s, { org, query }) => s.flows.listFlows(org, query),
  }),
  route({
    method: "get",
    path: "/flows/{id}",
    operationId: "getFlow",
    tag: "Flows",
    summary: flowOps.get,
    id: "Flow",
    status: 200,
    response: flowSchema,
    handle: async (s, { org, id }) => found(await s.flows.getFlow(org, id), "Flow", id),
  }),
  route({
    method: "put",
    path: "/flows/{id}",
    operationId: "updateFlow",
    tag: "Flows",
    summary: flowOps.update,
    id: "Flow",
    body: { schema: flowInputSchema, required: true },
    status: 200,
    response: flowSchema,
    handle: (s, { org, id, body }) => s.flows.updateFlow(org, id, body),
  }),
  route({
    method: "delete",
    path: "/flows/{id}",
    operationId: "deleteFlow",
    tag: "Flows",
    summary: flowOps.delete,
    id: "Flow",
    status: 200,
    response: flowSchema,
    errors: [CONFLICT],
    handle: (s, { org, id }) => s.flows.deleteFlow(org, id),
  }),
];
