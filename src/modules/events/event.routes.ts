import { route } from "../../http/rest/route";
import { eventOps, eventPageSchema, eventsQuerySchema } from "./event.schema";

/** The REST routes of the event log. */
export const eventRoutes = [
  route({
    method: "get",
    path: "/program-executions/{id}/events",
    operationId: "listExecutionEvents",
    tag: "Executions",
    summary: eventOps.list,
    description: "Keyset paging: ask again with `after` = the last position received while `hasMore` is true. A client that wants new events as they happen subscribes to `executionEvents` over GraphQL.",
    id: "Execution",
    query: eventsQuerySchema,
    status: 200,
    response: eventPageSchema,
    handle: (s, { org, id, query }) => s.events.list(org, id, query),
  }),
];
