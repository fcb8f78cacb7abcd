import { createPubSub } from "@graphql-yoga/subscription";
import { DateTimeISOResolver } from "graphql-scalars";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AudienceResolver } from "../modules/audience/audience.resolver";
import { ContactResolver } from "../modules/contact/contact.resolver";
import { DidResolver } from "../modules/did/did.resolver";
import { DncResolver } from "../modules/dnc/dnc.resolver";
import { OrganizationResolver } from "../modules/organization/organization.resolver";
import { ExecutionProgressResolver } from "../modules/execution/execution-progress.resolver";
import { ExecutionResolver } from "../modules/execution/execution.resolver";
import { ExecutionResultsResolver } from "../modules/execution/execution-results.resolver";
import { EventResolver } from "../modules/events/event.resolver";
import { FlowResolver } from "../modules/flow/flow.resolver";
import { ProgramResolver } from "../modules/program/program.resolver";
import { WebhookResolver } from "../modules/webhook/webhook.resolver";

export const RESOLVERS = [ContactResolver, AudienceResolver, FlowResolver, ProgramResolver, ExecutionResolver, ExecutionProgressResolver, ExecutionResultsResolver, EventResolver, DidResolver, OrganizationResolver, DncResolver, WebhookResolver] as const;

/** Code-first schema. Input validation lives in the services (shared with REST), so type-graphql's is off. */
export async function buildGraphQLSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS],
    scalarsMap: [{ type: Date, scalar: DateTimeISOResolver }],
    validate: false,
    // Our subscriptions bring their own `subscribe` (src/pubsub/execution-feeds.ts); type-graphql still requires a
    // pubSub, which nothing publishes to.
    pubSub: createPubSub(),
  });
  // type-graphql cannot describe the root types; every other type, field and argument is described where it is
  // declared (test/api-descriptions.test.ts fails on any that is not).
  schema.getQueryType()!.description = "Reads: one object by id (null when unknown) or a page of a listing";
  schema.getMutationType()!.description = "Changes: each answers the object as it is after the change";
  schema.getSubscriptionType()!.description = "Live changes over WebSocket (graphql-transport-ws)";
  return schema;
}
