import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, Field, ID, InputType, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { plain } from "../../shared/plain";
import { Contact } from "./contact.entity";
import { contactInputSchema, contactOps, contactSchema, contactUpsertSchema } from "./contact.schema";

const ci = (field: string) => ({ description: doc(contactInputSchema, field) });

@InputType({ description: doc(contactInputSchema) })
export class ContactInput {
  @Field(ci("primaryPhone")) primaryPhone!: string;
  @Field(() => String, { nullable: true, ...ci("firstName") }) firstName?: string | null;
  @Field(() => String, { nullable: true, ...ci("lastName") }) lastName?: string | null;
  @Field(() => String, { nullable: true, ...ci("primaryEmail") }) primaryEmail?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, ...ci("customAttributes") }) customAttributes?: Record<string, unknown> | null;
}

@Resolver(() => Contact)
export class ContactResolver {
  @Query(() => Contact, { nullable: true, description: `${contactOps.get}; null for an unknown id` })
  contact(@Arg("id", () => ID, { description: doc(contactSchema, "id") }) id: string, @Ctx() ctx: GraphQLContext): Promise<Contact | null> {
    return ctx.services.contacts.getContact(ctx.organizationId, id);
  }

  @Mutation(() => [Contact], { description: `${contactOps.upsert}; answers the contacts in the order sent` })
  upsertContacts(
    @Arg("contacts", () => [ContactInput], { description: doc(contactUpsertSchema, "data") }) contacts: ContactInput[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<Contact[]> {
    return ctx.services.contacts.upsertContacts(ctx.organizationId, contacts.map(plain));
  }
}
