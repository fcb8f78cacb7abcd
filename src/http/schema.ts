import { createPubSub } from "@graphql-yoga/subscription";
import { DateTimeISOResolver } from "graphql-scalars";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AudienceResolver } from "../modules/audience/audience.resolver";
import { ContactResolver } from "../modules/contact/contact.resolver";
import { DidResolver } from "../modules/did/did.resolver";
import { ExecutionProgressResolver } from "../modules/execution/execution-progress.resolver";
import { ExecutionResolver } from "../modules/execution/execution.resolver";
import { FlowResolver } from "../modules/flow/flow.resolver";
import { ProgramResolver } from "../modules/program/program.resolver";

export const RESOLVERS = [ContactResolver, AudienceResolver, FlowResolver, ProgramResolver, ExecutionResolver, ExecutionProgressResolver, DidResolver] as const;

/** Code-first schema. Input validation lives in the services (shared with REST), so type-graphql's is off. */
export function buildGraphQLSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...RESOLVERS],
    scalarsMap: [{ type: Date, scalar: DateTimeISOResolver }],
    validate: false,
    // Our subscriptions bring their own `subscribe` (src/pubsub/execution-feeds.ts); type-graphql still requires a
    // pubSub, which nothing publishes to.
    pubSub: createPubSub(),
  });
}
