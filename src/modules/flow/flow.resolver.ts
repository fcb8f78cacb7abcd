import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, Field, ID, InputType, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { plain } from "../../shared/plain";
import { Flow } from "./flow.entity";
import { flowInputSchema, flowNodeInputSchema, flowNodeSchema, flowOps, flowSchema } from "./flow.schema";

// Descriptions come from the REST schemas (flow.schema.ts). GraphQL takes a node as one flat input type whose
// config and outputs are JSON objects; the service checks them against the node type's schema.
const n = (field: string) => ({ description: doc(flowNodeSchema, field) });
const fi = (field: string) => ({ description: doc(flowInputSchema, field) });

@InputType({ description: doc(flowNodeInputSchema) })
export class FlowNodeInput {
  @Field(() => ID, n("id")) id!: string;
  @Field(n("type")) type!: string;
  @Field(() => String, { nullable: true, ...n("label") }) label?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, ...n("config") }) config?: Record<string, unknown> | null;
  @Field(() => GraphQLJSONObject, { nullable: true, ...n("outputs") }) outputs?: Record<string, string> | null;
}

@InputType({ description: doc(flowInputSchema) })
export class FlowInput {
  @Field(fi("name")) name!: string;
  @Field(fi("startNodeId")) startNodeId!: string;
  @Field(() => [FlowNodeInput], fi("nodes")) nodes!: FlowNodeInput[];
}

function toFlowInput(input: FlowInput) {
  return { ...plain(input), nodes: input.nodes.map(plain) };
}

const flowId = { description: doc(flowSchema, "id") };

@Resolver(() => Flow)
export class FlowResolver {
  @Query(() => Flow, { nullable: true, description: `${flowOps.get}; null for an unknown id` })
  flow(@Arg("id", () => ID, flowId) id: string, @Ctx() ctx: GraphQLContext): Promise<Flow | null> {
    return ctx.services.flows.getFlow(ctx.organizationId, id);
  }

  @Mutation(() => Flow, { description: flowOps.create })
  createFlow(@Arg("input", () => FlowInput, { description: doc(flowInputSchema) }) input: FlowInput, @Ctx() ctx: GraphQLContext): Promise<Flow> {
    return ctx.services.flows.createFlow(ctx.organizationId, toFlowInput(input));
  }

  @Mutation(() => Flow, { description: flowOps.update })
  updateFlow(
    @Arg("id", () => ID, flowId) id: string,
    @Arg("input", () => FlowInput, { description: doc(flowInputSchema) }) input: FlowInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Flow> {
    return ctx.services.flows.updateFlow(ctx.organizationId, id, toFlowInput(input));
  }
}
