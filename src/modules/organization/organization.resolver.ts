import { Arg, Ctx, Field, InputType, Int, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { withoutNulls } from "../rules/rules.types";
import { Organization } from "./organization.entity";
import { organizationOps, organizationPatchSchema } from "./organization.schema";

const op = (field: string) => ({ description: doc(organizationPatchSchema, field) });

@InputType({ description: doc(organizationPatchSchema) })
export class OrganizationUpdateInput {
  @Field(() => String, { nullable: true, ...op("timezone") }) timezone?: string | null;
  /** null clears the cap; left out keeps it. */
  @Field(() => Int, { nullable: true, ...op("maxConcurrentCalls") }) maxConcurrentCalls?: number | null;
}

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => Organization, { description: organizationOps.get })
  organization(@Ctx() ctx: GraphQLContext): Promise<Organization> {
    return ctx.services.organizations.getOrganization(ctx.organizationId);
  }

  @Mutation(() => Organization, { description: organizationOps.update })
  updateOrganization(@Arg("input", () => OrganizationUpdateInput, { description: doc(organizationPatchSchema) }) input: OrganizationUpdateInput, @Ctx() ctx: GraphQLContext): Promise<Organization> {
    // An explicit null clears the cap; a null time zone means "leave it".
    const patch: Record<string, unknown> = { ...withoutNulls({ timezone: input.timezone }) };
    if (input.maxConcurrentCalls !== undefined) patch.maxConcurrentCalls = input.maxConcurrentCalls;
    return ctx.services.organizations.updateOrganization(ctx.organizationId, patch);
  }
}
