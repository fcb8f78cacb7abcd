import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, Field, ID, InputType, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { plain } from "../../shared/plain";
import { Contact } from "./contact.entity";

@InputType()
export class ContactInput {
  @Field() primaryPhone!: string;
  @Field(() => String, { nullable: true }) firstName?: string | null;
  @Field(() => String, { nullable: true }) lastName?: string | null;
  @Field(() => String, { nullable: true }) primaryEmail?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) customAttributes?: Record<string, unknown> | null;
}

@Resolver(() => Contact)
export class ContactResolver {
  @Query(() => Contact, { nullable: true })
  contact(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Contact | null> {
    return ctx.services.contacts.getContact(ctx.organizationId, id);
  }

  @Mutation(() => [Contact], { description: "Matched by primaryPhone; all-or-nothing." })
  upsertContacts(@Arg("contacts", () => [ContactInput]) contacts: ContactInput[], @Ctx() ctx: GraphQLContext): Promise<Contact[]> {
    return ctx.services.contacts.upsertContacts(ctx.organizationId, contacts.map(plain));
  }
}
