import { Arg, Ctx, Field, ID, InputType, Int, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { pageQuerySchema } from "../../shared/page.schema";
import { PageType } from "../../shared/page.type";
import { plain } from "../../shared/plain";
import { Did, DidStatus } from "./did.entity";
import { didInputSchema, didOps, didPageSchema, didPatchSchema, didSchema } from "./did.schema";

const di = (field: string) => ({ description: doc(didInputSchema, field) });
const du = (field: string) => ({ description: doc(didPatchSchema, field) });

@InputType({ description: doc(didInputSchema) })
export class DidInput {
  @Field(di("number")) number!: string;
  @Field(() => String, { nullable: true, ...di("country") }) country?: string | null;
  @Field(() => String, { nullable: true, ...di("description") }) description?: string | null;
  @Field(() => DidStatus, { nullable: true, ...di("status") }) status?: DidStatus | null;
}

@InputType({ description: doc(didPatchSchema) })
export class DidUpdateInput {
  @Field(() => String, { nullable: true, ...du("country") }) country?: string | null;
  @Field(() => String, { nullable: true, ...du("description") }) description?: string | null;
  @Field(() => DidStatus, { nullable: true, ...du("status") }) status?: DidStatus | null;
}

export const DidPage = PageType(Did, "Did", didPageSchema);

/** GraphQL sends explicit nulls for fields left out; only `description` may be cleared with null. */
function input(i: DidInput | DidUpdateInput): Record<string, unknown> {
  const out = plain(i);
  for (const k of ["country", "status"]) if (out[k] === null) delete out[k];
  return out;
}

const didId = { description: doc(didSchema, "id") };

@Resolver(() => Did)
export class DidResolver {
  @Query(() => Did, { nullable: true, description: `${didOps.get}; null for an unknown id` })
  did(@Arg("id", () => ID, didId) id: string, @Ctx() ctx: GraphQLContext): Promise<Did | null> {
    return ctx.services.dids.getDid(ctx.organizationId, id);
  }

  @Query(() => DidPage, { description: didOps.list })
  dids(
    @Arg("page", () => Int, { nullable: true, description: doc(pageQuerySchema, "page") }) page: number | null,
    @Arg("limit", () => Int, { nullable: true, description: doc(pageQuerySchema, "limit") }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.dids.listDids(ctx.organizationId, { page, limit });
  }

  @Mutation(() => Did, { description: didOps.create })
  createDid(@Arg("input", () => DidInput, { description: doc(didInputSchema) }) i: DidInput, @Ctx() ctx: GraphQLContext): Promise<Did> {
    return ctx.services.dids.createDid(ctx.organizationId, input(i));
  }

  @Mutation(() => Did, { description: didOps.update })
  updateDid(
    @Arg("id", () => ID, didId) id: string,
    @Arg("input", () => DidUpdateInput, { description: doc(didPatchSchema) }) i: DidUpdateInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Did> {
    return ctx.services.dids.updateDid(ctx.organizationId, id, input(i));
  }

  @Mutation(() => Did, { description: didOps.delete })
  deleteDid(@Arg("id", () => ID, didId) id: string, @Ctx() ctx: GraphQLContext): Promise<Did> {
    return ctx.services.dids.deleteDid(ctx.organizationId, id);
  }
}
