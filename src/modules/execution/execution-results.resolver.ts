import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { ExecutionContactStatus, ProgramExecution } from "./execution.entity";
import { executionSchema } from "./execution.schema";
import type { ExecutionReport as Report } from "./execution-report";
import { executionReportSchema, relaunchInputSchema, reportCallsSchema, reportContactsSchema, reportDurationSchema, resultOps } from "./execution-results.schema";

const ct = (field: string) => ({ description: doc(reportContactsSchema, field) });
const cl = (field: string) => ({ description: doc(reportCallsSchema, field) });
const du = (field: string) => ({ description: doc(reportDurationSchema, field) });
const rp = (field: string) => ({ description: doc(executionReportSchema, field) });

@ObjectType({ description: doc(reportContactsSchema) })
export class ReportContacts {
  @Field(() => Int, ct("total")) total!: number;
  @Field(() => Int, ct("completed")) completed!: number;
  @Field(() => Int, ct("failed")) failed!: number;
  @Field(() => Int, ct("pending")) pending!: number;
  @Field(() => Int, ct("inProgress")) inProgress!: number;
  @Field(() => Int, ct("skipped")) skipped!: number;
}

@ObjectType({ description: doc(reportCallsSchema) })
export class ReportCalls {
  @Field(() => Int, cl("totalCalls")) totalCalls!: number;
  @Field(() => Int, cl("connected")) connected!: number;
  @Field(() => Int, cl("answered")) answered!: number;
  @Field(() => Int, cl("voicemail")) voicemail!: number;
  @Field(() => Int, cl("noAnswer")) noAnswer!: number;
  @Field(() => Int, cl("busy")) busy!: number;
  @Field(() => Int, cl("rejected")) rejected!: number;
  @Field(() => Int, cl("failed")) failed!: number;
}

@ObjectType({ description: doc(reportDurationSchema) })
export class ReportDuration {
  @Field(() => Int, { nullable: true, ...du("p50") }) p50!: number | null;
  @Field(() => Int, { nullable: true, ...du("p95") }) p95!: number | null;
}

@ObjectType({ description: doc(executionReportSchema) })
export class ExecutionReport {
  @Field(() => ReportContacts, rp("contacts")) contacts!: ReportContacts;
  @Field(rp("reachRate")) reachRate!: number;
  @Field(() => ReportCalls, rp("calls")) calls!: ReportCalls;
  @Field(() => GraphQLJSONObject, rp("nodeRuns")) nodeRuns!: Record<string, number>;
  @Field(() => ReportDuration, rp("durationMs")) durationMs!: ReportDuration;
}

const id = { description: doc(executionSchema, "id") };

/** An execution's report and the relaunch of its failures: thin over ExecutionResultsService. */
@Resolver()
export class ExecutionResultsResolver {
  @Query(() => ExecutionReport, { description: resultOps.report })
  executionReport(@Arg("id", () => ID, id) executionId: string, @Ctx() ctx: GraphQLContext): Promise<Report> {
    return ctx.services.results.report(ctx.organizationId, executionId);
  }

  @Mutation(() => ProgramExecution, { description: resultOps.relaunch })
  relaunchExecution(
    @Arg("id", () => ID, id) executionId: string,
    @Arg("statuses", () => [ExecutionContactStatus], { description: doc(relaunchInputSchema, "statuses") }) statuses: ExecutionContactStatus[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProgramExecution> {
    return ctx.services.results.relaunch(ctx.organizationId, executionId, { statuses });
  }
}
