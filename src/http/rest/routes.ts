import { audienceRoutes } from "../../modules/audience/audience.routes";
import { contactRoutes } from "../../modules/contact/contact.routes";
import { didRoutes } from "../../modules/did/did.routes";
import { dncRoutes } from "../../modules/dnc/dnc.routes";
import { organizationRoutes } from "../../modules/organization/organization.routes";
import { executionRoutes } from "../../modules/execution/execution.routes";
import { executionResultRoutes } from "../../modules/execution/execution-results.routes";
import { eventRoutes } from "../../modules/events/event.routes";
import { flowRoutes } from "../../modules/flow/flow.routes";
import { programRoutes } from "../../modules/program/program.routes";
import { webhookRoutes } from "../../modules/webhook/webhook.routes";
import type { RestRoute } from "./route";

/** Every route of the gateway, in the order the OpenAPI document lists them. */
export const ROUTES: RestRoute[] = [...executionRoutes, ...executionResultRoutes, ...eventRoutes, ...programRoutes, ...flowRoutes, ...contactRoutes, ...audienceRoutes, ...didRoutes, ...organizationRoutes, ...dncRoutes, ...webhookRoutes];
