import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { AutoPauseRuleInput, withoutNulls } from "../rules/rules.types";
import { doc } from "../../shared/docs";
import { pageQuerySchema } from "../../shared/page.schema";
import { PageType } from "../../shared/page.type";
import { CallAttempt, ExecutionContact, ExecutionContactStatus, ProgramExecution } from "./execution.entity";
import {
  callAttemptPageSchema,
  callAttemptsQuery,
  executionContactPageSchema,
  executionContactsQuery,
  executionListQuery,
  executionOps,
  executionPageSchema,
  executionSchema,
  launchInputSchema, resumeInputSchema } from "./execution.schema";

export const ProgramExecutionPage = PageType(ProgramExecution, "ProgramExecution", executionPageSchema);
export const ExecutionContactPage = PageType(ExecutionContact, "ExecutionContact", executionContactPageSchema);
export const CallAttemptPage = PageType(CallAttempt, "CallAttempt", callAttemptPageSchema);

const page = { nullable: true, description: doc(pageQuerySchema, "page") } as const;
const limit = { nullable: true, description: doc(pageQuerySchema, "limit") } as const;
const executionId = { description: doc(executionSchema, "id") };

@Resolver(() => ProgramExecution)
export class ExecutionResolver {
  @Query(() => ProgramExecution, { nullable: true, description: `${executionOps.get}; null for an unknown id` })
  programExecution(@Arg("id", () => ID, executionId) id: string, @Ctx() ctx: GraphQLContext): Promise<ProgramExecution | null> {
    return ctx.services.executions.get(ctx.organizationId, id);
  }

  @Query(() => ProgramExecutionPage, { description: executionOps.list })
  programExecutions(
    @Arg("programId", () => ID, { nullable: true, description: doc(executionListQuery, "programId") }) programId: string | null,
    @Arg("activeOnly", () => Boolean, { nullable: true, description: doc(executionListQuery, "activeOnly") }) activeOnly: boolean | null,
    @Arg("page", () => Int, page) page: number | null,
    @Arg("limit", () => Int, limit) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.executions.list(ctx.organizationId, { programId, activeOnly, page, limit });
  }

  @Query(() => ExecutionContactPage, { description: executionOps.contacts })
  executionContacts(
    @Arg("executionId", () => ID, executionId) executionId: string,
    @Arg("status", () => ExecutionContactStatus, { nullable: true, description: doc(executionContactsQuery, "status") }) status: ExecutionContactStatus | null,
    @Arg("page", () => Int, page) page: number | null,
    @Arg("limit", () => Int, limit) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.executions.listContacts(ctx.organizationId, executionId, { status, page, limit });
  }

  @Query(() => CallAttemptPage, { description: executionOps.calls })
  callAttempts(
    @Arg("executionId", () => ID, executionId) executionId: string,
    @Arg("contactId", () => ID, { nullable: true, description: doc(callAttemptsQuery, "contactId") }) contactId: string | null,
    @Arg("page", () => Int, page) page: number | null,
    @Arg("limit", () => Int, limit) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.executions.listCallAttempts(ctx.organizationId, executionId, { contactId, page, limit });
  }

  @Mutation(() => ProgramExecution, { description: executionOps.launch })
  launchProgram(
    @Arg("programId", () => ID, { description: doc(executionSchema, "programId") }) programId: string,
    @Arg("idempotencyKey", () => String, { nullable: true, description: doc(launchInputSchema, "idempotencyKey") }) idempotencyKey: string | null,
    @Arg("startAt", () => Date, { nullable: true, description: doc(launchInputSchema, "startAt") }) startAt: Date | null,
    @Arg("stopAt", () => Date, { nullable: true, description: doc(launchInputSchema, "stopAt") }) stopAt: Date | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProgramExecution> {
    return ctx.services.executions.launch(ctx.organizationId, programId, {
      idempotencyKey,
      ...(startAt !== undefined && startAt !== null ? { startAt } : {}),
      ...(stopAt !== undefined && stopAt !== null ? { stopAt } : {}),
    });
  }

  @Mutation(() => ProgramExecution, { description: executionOps.pause })
  pauseExecution(@Arg("id", () => ID, executionId) id: string, @Ctx() ctx: GraphQLContext): Promise<ProgramExecution> {
    return ctx.services.executions.pause(ctx.organizationId, id);
  }

  @Mutation(() => ProgramExecution, { description: executionOps.resume })
  resumeExecution(
    @Arg("id", () => ID, executionId) id: string,
    @Arg("autoPauseRules", () => [AutoPauseRuleInput], { nullable: true, description: doc(resumeInputSchema, "autoPauseRules") }) autoPauseRules: AutoPauseRuleInput[] | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProgramExecution> {
    return ctx.services.executions.resume(ctx.organizationId, id, autoPauseRules ? { autoPauseRules: withoutNulls(autoPauseRules) } : {});
  }

  @Mutation(() => ProgramExecution, { description: executionOps.cancel })
  cancelExecution(@Arg("id", () => ID, executionId) id: string, @Ctx() ctx: GraphQLContext): Promise<ProgramExecution> {
    return ctx.services.executions.cancel(ctx.organizationId, id);
  }
}
