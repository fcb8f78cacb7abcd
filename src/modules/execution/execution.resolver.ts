import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { PageType } from "../../shared/page.type";
import { CallAttempt, ExecutionContact, ExecutionContactStatus, ProgramExecution } from "./execution.entity";

export const ProgramExecutionPage = PageType(ProgramExecution, "ProgramExecution");
export const ExecutionContactPage = PageType(ExecutionContact, "ExecutionContact");
export const CallAttemptPage = PageType(CallAttempt, "CallAttempt");

@Resolver(() => ProgramExecution)
export class ExecutionResolver {
  @Query(() => ProgramExecution, { nullable: true })
  programExecution(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ProgramExecution | null> {
    return ctx.services.executions.get(ctx.organizationId, id);
  }

  @Query(() => ProgramExecutionPage, { description: "Newest first. activeOnly: scheduled, running and paused only." })
  programExecutions(
    @Arg("programId", () => ID, { nullable: true }) programId: string | null,
    @Arg("activeOnly", () => Boolean, { nullable: true }) activeOnly: boolean | null,
    @Arg("page", () => Int, { nullable: true }) page: number | null,
    @Arg("limit", () => Int, { nullable: true }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.executions.list(ctx.organizationId, { programId, activeOnly, page, limit });
  }

  @Query(() => ExecutionContactPage, { description: "The execution's snapshot rows; filter by status to review failures." })
  executionContacts(
    @Arg("executionId", () => ID) executionId: string,
    @Arg("status", () => ExecutionContactStatus, { nullable: true }) status: ExecutionContactStatus | null,
    @Arg("page", () => Int, { nullable: true }) page: number | null,
    @Arg("limit", () => Int, { nullable: true }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.executions.listContacts(ctx.organizationId, executionId, { status, page, limit });
  }

  @Query(() => CallAttemptPage)
  callAttempts(
    @Arg("executionId", () => ID) executionId: string,
    @Arg("contactId", () => ID, { nullable: true }) contactId: string | null,
    @Arg("page", () => Int, { nullable: true }) page: number | null,
    @Arg("limit", () => Int, { nullable: true }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.executions.listCallAttempts(ctx.organizationId, executionId, { contactId, page, limit });
  }

  @Mutation(() => ProgramExecution, { description: "An idempotencyKey already used for the program (24 h) answers with the same execution." })
  launchProgram(
    @Arg("programId", () => ID) programId: string,
    @Arg("idempotencyKey", () => String, { nullable: true }) idempotencyKey: string | null,
    @Arg("startAt", () => Date, { nullable: true }) startAt: Date | null,
    @Arg("stopAt", () => Date, { nullable: true }) stopAt: Date | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProgramExecution> {
    return ctx.services.executions.launch(ctx.organizationId, programId, {
      idempotencyKey,
      ...(startAt !== undefined && startAt !== null ? { startAt } : {}),
      ...(stopAt !== undefined && stopAt !== null ? { stopAt } : {}),
    });
  }

  @Mutation(() => ProgramExecution)
  pauseExecution(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ProgramExecution> {
    return ctx.services.executions.pause(ctx.organizationId, id);
  }

  @Mutation(() => ProgramExecution)
  resumeExecution(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ProgramExecution> {
    return ctx.services.executions.resume(ctx.organizationId, id);
  }

  @Mutation(() => ProgramExecution)
  cancelExecution(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ProgramExecution> {
    return ctx.services.executions.cancel(ctx.organizationId, id);
  }
}
