import { CONFLICT, found, route } from "../../http/rest/route";
import { programPreviewSchema } from "./program-preview";
import { pageQuerySchema } from "../../shared/page.schema";
import { programInputSchema, programOps, programPageSchema, programSchema, programUpdateSchema } from "./program.schema";

/** The REST routes of programs. */
export const programRoutes = [
  route({
    method: "post",
    path: "/programs",
    operationId: "createProgram",
    tag: "Programs",
    summary: programOps.create,
    body: { schema: programInputSchema, required: true },
    status: 201,
    response: programSchema,
    handle: (s, { org, body }) => s.programs.createProgram(org, body),
  }),
  route({
    method: "get",
    path: "/programs",
    operationId: "listPrograms",
    tag: "Programs",
    summary: programOps.list,
    query: pageQuerySchema,
    status: 200,
    response: programPageSchema,
    handle: (s, { org, query }) => s.programs.listPrograms(org, query),
  }),
  route({
    method: "get",
    path: "/programs/{id}/preview",
    operationId: "previewProgram",
    tag: "Programs",
    summary: programOps.preview,
    id: "Program",
    status: 200,
    response: programPreviewSchema,
    handle: (s, { org, id }) => s.programs.preview(org, id),
  }),
  route({
    method: "get",
    path: "/programs/{id}",
    operationId: "getProgram",
    tag: "Programs",
    summary: programOps.get,
    id: "Program",
    status: 200,
    response: programSchema,
    handle: async (s, { org, id }) => found(await s.programs.getProgram(org, id), "Program", id),
  }),
  route({
    method: "patch",
    path: "/programs/{id}",
    operationId: "updateProgram",
    tag: "Programs",
    summary: programOps.update,
    id: "Program",
    body: { schema: programUpdateSchema, required: true },
    status: 200,
    response: programSchema,
    // Archiving a program whose execution is unfinished.
    errors: [CONFLICT],
    handle: (s, { org, id, body }) => s.programs.updateProgram(org, id, body),
  }),
  route({
    method: "delete",
    path: "/programs/{id}",
    operationId: "deleteProgram",
    tag: "Programs",
    summary: programOps.delete,
    id: "Program",
    status: 200,
    response: programSchema,
    errors: [CONFLICT],
    handle: (s, { org, id }) => s.programs.deleteProgram(org, id),
  }),
];
