import { Arg, Ctx, Field, ID, InputType, Int, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { PageType } from "../../shared/page.type";
import { plain } from "../../shared/plain";
import { Did, DidStatus } from "./did.entity";

@InputType()
export class DidInput {
  @Field() number!: string;
  @Field(() => String, { nullable: true }) country?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => DidStatus, { nullable: true }) status?: DidStatus | null;
}

@InputType()
export class DidUpdateInput {
  @Field(() => String, { nullable: true }) country?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => DidStatus, { nullable: true }) status?: DidStatus | null;
}

export const DidPage = PageType(Did, "Did");

/** GraphQL sends explicit nulls for fields left out; only `description` may be cleared with null. */
function input(i: DidInput | DidUpdateInput): Record<string, unknown> {
  const out = plain(i);
  for (const k of ["country", "status"]) if (out[k] === null) delete out[k];
  return out;
}

@Resolver(() => Did)
export class DidResolver {
  @Query(() => Did, { nullable: true })
  did(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Did | null> {
    return ctx.services.dids.getDid(ctx.organizationId, id);
  }

  @Query(() => DidPage)
  dids(@Arg("page", () => Int, { nullable: true }) page: number | null, @Arg("limit", () => Int, { nullable: true }) limit: number | null, @Ctx() ctx: GraphQLContext) {
    return ctx.services.dids.listDids(ctx.organizationId, { page, limit });
  }

  @Mutation(() => Did)
  createDid(@Arg("input", () => DidInput) i: DidInput, @Ctx() ctx: GraphQLContext): Promise<Did> {
    return ctx.services.dids.createDid(ctx.organizationId, input(i));
  }

  @Mutation(() => Did)
  updateDid(@Arg("id", () => ID) id: string, @Arg("input", () => DidUpdateInput) i: DidUpdateInput, @Ctx() ctx: GraphQLContext): Promise<Did> {
    return ctx.services.dids.updateDid(ctx.organizationId, id, input(i));
  }

  @Mutation(() => Did)
  deleteDid(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Did> {
    return ctx.services.dids.deleteDid(ctx.organizationId, id);
  }
}
