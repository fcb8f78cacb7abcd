import { Arg, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { PageType } from "../../shared/page.type";
import { DncNumber } from "./dnc.entity";
import { dncAddResultSchema, dncAddSchema, dncEntrySchema, dncOps, dncPageSchema, dncQuerySchema } from "./dnc.schema";

export const DncPage = PageType(DncNumber, "DncNumber", dncPageSchema);

@ObjectType({ description: doc(dncAddResultSchema) })
export class DncAddResult {
  @Field(() => Int, { description: doc(dncAddResultSchema, "added") }) added!: number;
  @Field(() => Int, { description: doc(dncAddResultSchema, "alreadyListed") }) alreadyListed!: number;
}

const number = { description: doc(dncEntrySchema, "number") };

@Resolver(() => DncNumber)
export class DncResolver {
  @Query(() => DncPage, { description: dncOps.list })
  dncNumbers(
    @Arg("page", () => Int, { nullable: true, description: doc(dncQuerySchema, "page") }) page: number | null,
    @Arg("limit", () => Int, { nullable: true, description: doc(dncQuerySchema, "limit") }) limit: number | null,
    @Arg("search", () => String, { nullable: true, description: doc(dncQuerySchema, "search") }) search: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.dnc.list(ctx.organizationId, { page, limit, search: search ?? undefined });
  }

  @Query(() => DncNumber, { nullable: true, description: `${dncOps.get}; null when it is not listed` })
  async dncNumber(@Arg("number", () => String, number) value: string, @Ctx() ctx: GraphQLContext): Promise<DncNumber | null> {
    return ctx.services.dnc.get(ctx.organizationId, value).catch((err) => (err?.code === "DNC_NUMBER_NOT_FOUND" ? null : Promise.reject(err)));
  }

  @Mutation(() => DncAddResult, { description: dncOps.add })
  addDncNumbers(
    @Arg("numbers", () => [String], { description: doc(dncAddSchema, "numbers") }) numbers: string[],
    @Arg("reason", () => String, { nullable: true, description: doc(dncAddSchema, "reason") }) reason: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.dnc.add(ctx.organizationId, { numbers, ...(reason !== null ? { reason } : {}) });
  }

  @Mutation(() => DncNumber, { description: dncOps.remove })
  removeDncNumber(@Arg("number", () => String, number) value: string, @Ctx() ctx: GraphQLContext): Promise<DncNumber> {
    return ctx.services.dnc.remove(ctx.organizationId, value);
  }
}
