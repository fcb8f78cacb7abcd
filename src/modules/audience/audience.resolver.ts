import { Arg, Ctx, Field, ID, InputType, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { plain } from "../../shared/plain";
import { Audience } from "./audience.entity";

@InputType()
export class AudienceInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@Resolver(() => Audience)
export class AudienceResolver {
  @Query(() => Audience, { nullable: true })
  audience(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Audience | null> {
    return ctx.services.audiences.getAudience(ctx.organizationId, id);
  }

  @Mutation(() => Audience)
  createAudience(@Arg("input", () => AudienceInput) input: AudienceInput, @Ctx() ctx: GraphQLContext): Promise<Audience> {
    return ctx.services.audiences.createAudience(ctx.organizationId, plain(input));
  }

  @Mutation(() => Audience)
  addContactsToAudience(
    @Arg("audienceId", () => ID) audienceId: string,
    @Arg("contactIds", () => [ID]) contactIds: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<Audience> {
    return ctx.services.audiences.addContacts(ctx.organizationId, audienceId, contactIds);
  }

  @Mutation(() => Audience)
  removeContactsFromAudience(
    @Arg("audienceId", () => ID) audienceId: string,
    @Arg("contactIds", () => [ID]) contactIds: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<Audience> {
    return ctx.services.audiences.removeContacts(ctx.organizationId, audienceId, contactIds);
  }
}
