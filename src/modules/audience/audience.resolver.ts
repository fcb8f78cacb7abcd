import { Arg, Ctx, Field, ID, InputType, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { plain } from "../../shared/plain";
import { Audience } from "./audience.entity";
import { audienceInputSchema, audienceOps, audienceSchema, contactIdsSchema } from "./audience.schema";

const ai = (field: string) => ({ description: doc(audienceInputSchema, field) });

@InputType({ description: doc(audienceInputSchema) })
export class AudienceInput {
  @Field(ai("name")) name!: string;
  @Field(() => String, { nullable: true, ...ai("description") }) description?: string | null;
}

const audienceId = { description: doc(audienceSchema, "id") };
const contactIds = { description: doc(contactIdsSchema) };

@Resolver(() => Audience)
export class AudienceResolver {
  @Query(() => Audience, { nullable: true, description: `${audienceOps.get}; null for an unknown id` })
  audience(@Arg("id", () => ID, audienceId) id: string, @Ctx() ctx: GraphQLContext): Promise<Audience | null> {
    return ctx.services.audiences.getAudience(ctx.organizationId, id);
  }

  @Mutation(() => Audience, { description: audienceOps.create })
  createAudience(@Arg("input", () => AudienceInput, { description: doc(audienceInputSchema) }) input: AudienceInput, @Ctx() ctx: GraphQLContext): Promise<Audience> {
    return ctx.services.audiences.createAudience(ctx.organizationId, plain(input));
  }

  @Mutation(() => Audience, { description: audienceOps.addContacts })
  addContactsToAudience(
    @Arg("audienceId", () => ID, audienceId) audienceId: string,
    @Arg("contactIds", () => [ID], contactIds) contactIds: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<Audience> {
    return ctx.services.audiences.addContacts(ctx.organizationId, audienceId, contactIds);
  }

  @Mutation(() => Audience, { description: audienceOps.removeContacts })
  removeContactsFromAudience(
    @Arg("audienceId", () => ID, audienceId) audienceId: string,
    @Arg("contactIds", () => [ID], contactIds) contactIds: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<Audience> {
    return ctx.services.audiences.removeContacts(ctx.organizationId, audienceId, contactIds);
  }
}
