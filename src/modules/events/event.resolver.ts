import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver, Root, Subscription } from "type-graphql";
import type { SubscribeResolverData } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { executionSchema } from "../execution/execution.schema";
import type { ExecutionEventView } from "./event.service";
import { eventFieldsSchema, eventOps, eventPageSchema, eventsMetaSchema, eventsQuerySchema } from "./event.schema";

const f = (field: string) => ({ description: doc(eventFieldsSchema, field) });
const m = (field: string) => ({ description: doc(eventsMetaSchema, field) });

@ObjectType({ description: doc(eventPageSchema.shape.data.element) })
export class ExecutionEvent {
  @Field(() => ID, f("id")) id!: string;
  @Field(() => ID, f("executionId")) executionId!: string;
  @Field(() => Int, f("position")) position!: number;
  @Field(() => Int, f("sequence")) sequence!: number;
  @Field(() => String, f("type")) type!: string;
  @Field(f("occurredAt")) occurredAt!: Date;
  @Field(() => GraphQLJSONObject, f("data")) data!: Record<string, unknown>;
}

@ObjectType({ description: doc(eventsMetaSchema) })
export class ExecutionEventPageMeta {
  @Field(() => Int, m("after")) after!: number;
  @Field(() => Int, m("limit")) limit!: number;
  @Field(m("hasMore")) hasMore!: boolean;
}

@ObjectType({ description: doc(eventPageSchema) })
export class ExecutionEventPage {
  @Field(() => [ExecutionEvent], { description: doc(eventPageSchema, "data") }) data!: ExecutionEvent[];
  @Field(() => ExecutionEventPageMeta, { description: doc(eventPageSchema, "meta") }) meta!: ExecutionEventPageMeta;
}

type Data<Args> = SubscribeResolverData<unknown, Args, GraphQLContext>;
const executionId = { description: doc(executionSchema, "id") };

/** The execution's event log: a keyset-paged read, and the replay-then-live subscription (the live feeds do that work). */
@Resolver(() => ExecutionEvent)
export class EventResolver {
  @Query(() => ExecutionEventPage, { name: "executionEvents", description: eventOps.list })
  executionEventsPage(
    @Arg("executionId", () => ID, executionId) id: string,
    @Arg("after", () => Int, { nullable: true, description: doc(eventsQuerySchema, "after") }) after: number | null,
    @Arg("limit", () => Int, { nullable: true, description: doc(eventsQuerySchema, "limit") }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.events.list(ctx.organizationId, id, { after, limit });
  }

  @Subscription(() => ExecutionEvent, {
    name: "executionEvents",
    description: eventOps.subscribe,
    subscribe: ({ args, context }: Data<{ executionId: string; after?: number | null }>) => {
      if (!context.live) throw new Error("live feeds are not available in this context");
      return context.live.events(context.organizationId, args.executionId, args.after ?? 0);
    },
  })
  executionEventsLive(
    @Root() event: ExecutionEventView,
    @Arg("executionId", () => ID, executionId) _executionId: string,
    @Arg("after", () => Int, { nullable: true, description: doc(eventsQuerySchema, "after") }) _after: number | null,
  ): ExecutionEventView {
    return event;
  }
}
