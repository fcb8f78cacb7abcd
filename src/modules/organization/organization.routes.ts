import { route } from "../../http/rest/route";
import { organizationOps, organizationPatchSchema, organizationSchema } from "./organization.schema";

/** The REST routes of the caller's own organization. */
export const organizationRoutes = [
  route({
    method: "get",
    path: "/organization",
    operationId: "getOrganization",
    tag: "Organization",
    summary: organizationOps.get,
    status: 200,
    response: organizationSchema,
    handle: (s, { org }) => s.organizations.getOrganization(org),
  }),
  route({
    method: "patch",
    path: "/organization",
    operationId: "updateOrganization",
    tag: "Organization",
    summary: organizationOps.update,
    body: { schema: organizationPatchSchema, required: true },
    status: 200,
    response: organizationSchema,
    handle: (s, { org, body }) => s.organizations.updateOrganization(org, body),
  }),
];
