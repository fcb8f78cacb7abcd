import { Arg, Ctx, Field, ID, InputType, Int, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { pageQuerySchema } from "../../shared/page.schema";
import { PageType } from "../../shared/page.type";
import { plain } from "../../shared/plain";
import { CreatedWebhook, Webhook, WebhookDelivery } from "./webhook.entity";
import { webhookDeliveryPageSchema, webhookInputSchema, webhookOps, webhookPageSchema, webhookPatchSchema, webhookSchema } from "./webhook.schema";

const wi = (field: string) => ({ description: doc(webhookInputSchema, field) });
const wu = (field: string) => ({ description: doc(webhookPatchSchema, field) });

@InputType({ description: doc(webhookInputSchema) })
export class WebhookInput {
  @Field(wi("url")) url!: string;
  @Field(() => [String], { nullable: true, ...wi("events") }) events?: string[] | null;
}

@InputType({ description: doc(webhookPatchSchema) })
export class WebhookUpdateInput {
  @Field(() => String, { nullable: true, ...wu("url") }) url?: string | null;
  @Field(() => [String], { nullable: true, ...wu("events") }) events?: string[] | null;
  @Field(() => Boolean, { nullable: true, ...wu("enabled") }) enabled?: boolean | null;
}

export const WebhookPage = PageType(Webhook, "Webhook", webhookPageSchema);
export const WebhookDeliveryPage = PageType(WebhookDelivery, "WebhookDelivery", webhookDeliveryPageSchema);

/** GraphQL sends explicit nulls for fields left out: none of these can be cleared. */
function input(i: WebhookInput | WebhookUpdateInput): Record<string, unknown> {
  const out = plain(i);
  for (const k of Object.keys(out)) if (out[k] === null) delete out[k];
  return out;
}

const webhookId = { description: doc(webhookSchema, "id") };
const page = { nullable: true, description: doc(pageQuerySchema, "page") };
const limit = { nullable: true, description: doc(pageQuerySchema, "limit") };

@Resolver(() => Webhook)
export class WebhookResolver {
  @Query(() => Webhook, { nullable: true, description: `${webhookOps.get}; null for an unknown id` })
  webhook(@Arg("id", () => ID, webhookId) id: string, @Ctx() ctx: GraphQLContext): Promise<Webhook | null> {
    return ctx.services.webhooks.get(ctx.organizationId, id);
  }

  @Query(() => WebhookPage, { description: webhookOps.list })
  webhooks(@Arg("page", () => Int, page) p: number | null, @Arg("limit", () => Int, limit) l: number | null, @Ctx() ctx: GraphQLContext) {
    return ctx.services.webhooks.list(ctx.organizationId, { page: p, limit: l });
  }

  @Query(() => WebhookDeliveryPage, { description: webhookOps.deliveries })
  webhookDeliveries(
    @Arg("webhookId", () => ID, webhookId) id: string,
    @Arg("page", () => Int, page) p: number | null,
    @Arg("limit", () => Int, limit) l: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.webhooks.deliveries(ctx.organizationId, id, { page: p, limit: l });
  }

  @Mutation(() => CreatedWebhook, { description: webhookOps.create })
  createWebhook(@Arg("input", () => WebhookInput, { description: doc(webhookInputSchema) }) i: WebhookInput, @Ctx() ctx: GraphQLContext): Promise<CreatedWebhook> {
    return ctx.services.webhooks.create(ctx.organizationId, input(i));
  }

  @Mutation(() => Webhook, { description: webhookOps.update })
  updateWebhook(
    @Arg("id", () => ID, webhookId) id: string,
    @Arg("input", () => WebhookUpdateInput, { description: doc(webhookPatchSchema) }) i: WebhookUpdateInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Webhook> {
    return ctx.services.webhooks.update(ctx.organizationId, id, input(i));
  }

  @Mutation(() => Webhook, { description: webhookOps.delete })
  deleteWebhook(@Arg("id", () => ID, webhookId) id: string, @Ctx() ctx: GraphQLContext): Promise<Webhook> {
    return ctx.services.webhooks.delete(ctx.organizationId, id);
  }
}
