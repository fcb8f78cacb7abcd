import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, Field, ID, InputType, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { plain } from "../../shared/plain";
import { Flow } from "./flow.entity";

@InputType()
export class FlowNodeInput {
  @Field(() => ID) id!: string;
  @Field() type!: string;
  @Field(() => String, { nullable: true }) label?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) config?: Record<string, unknown> | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) outputs?: Record<string, string> | null;
}

@InputType()
export class FlowInput {
  @Field() name!: string;
  @Field() startNodeId!: string;
  @Field(() => [FlowNodeInput]) nodes!: FlowNodeInput[];
}

function toFlowInput(input: FlowInput) {
  return { ...plain(input), nodes: input.nodes.map(plain) };
}

@Resolver(() => Flow)
export class FlowResolver {
  @Query(() => Flow, { nullable: true })
  flow(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Flow | null> {
    return ctx.services.flows.getFlow(ctx.organizationId, id);
  }

  @Mutation(() => Flow)
  createFlow(@Arg("input", () => FlowInput) input: FlowInput, @Ctx() ctx: GraphQLContext): Promise<Flow> {
    return ctx.services.flows.createFlow(ctx.organizationId, toFlowInput(input));
  }

  @Mutation(() => Flow, { description: "Creates a new version; running executions keep theirs." })
  updateFlow(@Arg("id", () => ID) id: string, @Arg("input", () => FlowInput) input: FlowInput, @Ctx() ctx: GraphQLContext): Promise<Flow> {
    return ctx.services.flows.updateFlow(ctx.organizationId, id, toFlowInput(input));
  }
}
