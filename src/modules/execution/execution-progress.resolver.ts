import { Arg, ID, Int, Resolver, Root, Subscription } from "type-graphql";
import type { SubscribeResolverData } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import type { ExecutionFeeds } from "../../pubsub/execution-feeds";
import { doc } from "../../shared/docs";
import { ProgramExecution } from "./execution.entity";
import { resumeArgsSchema } from "../events/event.schema";
import { executionListQuery, executionSchema } from "./execution.schema";

type Data<Args> = SubscribeResolverData<unknown, Args, GraphQLContext>;

function feeds(context: GraphQLContext): ExecutionFeeds {
  // Subscriptions run over graphql-ws only, whose context always carries the feeds.
  if (!context.live) throw new Error("live feeds are not available in this context");
  return context.live;
}

/** Live progress over graphql-ws (executionProgress, executionsChanged). The feeds do the work; each event's payload is the snapshot. */
@Resolver()
export class ExecutionProgressResolver {
  @Subscription(() => ProgramExecution, {
    description:
      "The current snapshot at once, then one per committed change (counter-only changes at most once per VOICECAST_PROGRESS_INTERVAL_MS); completes after the finished snapshot (actualEndAt set). With `after`, the first snapshot is skipped when nothing changed since; the event-by-event replay is executionEvents.",
    subscribe: ({ args, context }: Data<{ executionId: string; after?: number | null }>) =>
      feeds(context).progress(context.organizationId, args.executionId, args.after ?? 0),
  })
  executionProgress(
    @Root() snapshot: ProgramExecution,
    @Arg("executionId", () => ID, { description: doc(executionSchema, "id") }) _executionId: string,
    @Arg("after", () => Int, { nullable: true, description: doc(resumeArgsSchema, "progressAfter") }) _after: number | null,
  ): ProgramExecution {
    return snapshot;
  }

  @Subscription(() => ProgramExecution, {
    description: "Launches and status changes of the organization's executions, optionally of one program.",
    subscribe: ({ args, context }: Data<{ programId?: string | null }>) => feeds(context).changes(context.organizationId, args.programId ?? null),
  })
  executionsChanged(
    @Root() snapshot: ProgramExecution,
    @Arg("programId", () => ID, { nullable: true, description: doc(executionListQuery, "programId") }) _programId: string | null,
  ): ProgramExecution {
    return snapshot;
  }
}
