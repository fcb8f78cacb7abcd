import { Arg, Ctx, Field, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { doc } from "../../shared/docs";
import { pageQuerySchema } from "../../shared/page.schema";
import { PageType } from "../../shared/page.type";
import { plain } from "../../shared/plain";
import { AutoPauseRuleInput, CallingHoursInput, PauseWindowsInput, withoutNulls } from "../rules/rules.types";
import { Program, ProgramStatus } from "./program.entity";
import { programPreviewSchema } from "./program-preview";
import { programInputSchema, programOps, programPageSchema, programSchema, programUpdateSchema } from "./program.schema";
import { retryStrategyInputSchema } from "./retry-strategy.schema";

// Descriptions come from the REST input schemas (program.schema.ts, retry-strategy.schema.ts).
const rs = (field: string) => ({ description: doc(retryStrategyInputSchema, field) });
const pi = (field: string) => ({ description: doc(programInputSchema, field) });
const pu = (field: string) => ({ description: doc(programUpdateSchema, field) });

@InputType({ description: doc(retryStrategyInputSchema) })
export class RetryStrategyInput {
  @Field(rs("type")) type!: string;
  @Field(() => Float, { nullable: true, ...rs("delayMinutes") }) delayMinutes?: number | null;
  @Field(() => Int, { nullable: true, ...rs("maxRetries") }) maxRetries?: number | null;
  @Field(() => [Date], { nullable: true, ...rs("retryDates") }) retryDates?: Date[] | null;
  @Field(() => Boolean, { nullable: true, ...rs("retryOnVoicemail") }) retryOnVoicemail?: boolean | null;
}

@InputType({ description: doc(programInputSchema) })
export class ProgramInput {
  @Field(pi("name")) name!: string;
  @Field(() => String, { nullable: true, ...pi("description") }) description?: string | null;
  @Field(() => ID, pi("audienceId")) audienceId!: string;
  @Field(() => ID, pi("flowId")) flowId!: string;
  @Field(() => Date, { nullable: true, ...pi("startAt") }) startAt?: Date | null;
  @Field(() => Date, { nullable: true, ...pi("stopAt") }) stopAt?: Date | null;
  @Field(() => RetryStrategyInput, { nullable: true, ...pi("retryStrategy") }) retryStrategy?: RetryStrategyInput | null;
  @Field(() => Int, { nullable: true, ...pi("maxConcurrentCalls") }) maxConcurrentCalls?: number | null;
  @Field(() => [ID], { nullable: true, ...pi("didPool") }) didPool?: string[] | null;
  @Field(() => PauseWindowsInput, { nullable: true, ...pi("pauseWindows") }) pauseWindows?: PauseWindowsInput | null;
  @Field(() => CallingHoursInput, { nullable: true, ...pi("callingHours") }) callingHours?: CallingHoursInput | null;
  @Field(() => [AutoPauseRuleInput], { nullable: true, ...pi("autoPauseRules") }) autoPauseRules?: AutoPauseRuleInput[] | null;
}

@InputType({ description: doc(programUpdateSchema) })
export class ProgramUpdateInput {
  @Field(() => String, { nullable: true, ...pu("name") }) name?: string;
  @Field(() => String, { nullable: true, ...pu("description") }) description?: string | null;
  @Field(() => ID, { nullable: true, ...pu("audienceId") }) audienceId?: string;
  @Field(() => ID, { nullable: true, ...pu("flowId") }) flowId?: string;
  @Field(() => Date, { nullable: true, ...pu("startAt") }) startAt?: Date | null;
  @Field(() => Date, { nullable: true, ...pu("stopAt") }) stopAt?: Date | null;
  @Field(() => RetryStrategyInput, { nullable: true, ...pu("retryStrategy") }) retryStrategy?: RetryStrategyInput | null;
  @Field(() => Int, { nullable: true, ...pu("maxConcurrentCalls") }) maxConcurrentCalls?: number;
  @Field(() => ProgramStatus, { nullable: true, ...pu("status") }) status?: ProgramStatus;
  @Field(() => [ID], { nullable: true, ...pu("didPool") }) didPool?: string[] | null;
  @Field(() => PauseWindowsInput, { nullable: true, ...pu("pauseWindows") }) pauseWindows?: PauseWindowsInput | null;
  @Field(() => CallingHoursInput, { nullable: true, ...pu("callingHours") }) callingHours?: CallingHoursInput | null;
  @Field(() => [AutoPauseRuleInput], { nullable: true, ...pu("autoPauseRules") }) autoPauseRules?: AutoPauseRuleInput[] | null;
}

export const ProgramPage = PageType(Program, "Program", programPageSchema);

/** GraphQL gives dates and explicit nulls; the service takes the REST-shaped JSON. */
function toProgramInput(input: ProgramInput | ProgramUpdateInput) {
  const out = plain(input);
  for (const k of ["maxConcurrentCalls", "name", "audienceId", "flowId", "status", "retryStrategy"]) if (out[k] === null) delete out[k];
  // Rules: null clears them; the fields a rule leaves out arrive as nulls and are dropped.
  for (const k of ["pauseWindows", "callingHours", "autoPauseRules"] as const) if (input[k]) out[k] = withoutNulls(input[k]);
  if (input.retryStrategy) {
    const rs = Object.fromEntries(Object.entries(plain(input.retryStrategy)).filter(([, v]) => v !== null));
    if (Array.isArray(rs.retryDates)) rs.retryDates = (rs.retryDates as Date[]).map((d) => d.toISOString());
    out.retryStrategy = rs;
  }
  return out;
}

const programId = { description: doc(programSchema, "id") };

const pv = (field: string) => ({ description: doc(programPreviewSchema, field) });

@ObjectType({ description: doc(programPreviewSchema) })
export class ProgramPreview {
  @Field(() => Int, pv("totalContacts")) totalContacts!: number;
  @Field(() => Int, pv("suppressed")) suppressed!: number;
  @Field(() => Int, pv("outsideCallingHoursNow")) outsideCallingHoursNow!: number;
  @Field(() => Int, pv("callableNow")) callableNow!: number;
  @Field(pv("inPauseWindowNow")) inPauseWindowNow!: boolean;
  @Field(() => Date, { nullable: true, ...pv("nextCallableAt") }) nextCallableAt!: Date | null;
}

@Resolver(() => Program)
export class ProgramResolver {
  @Query(() => ProgramPreview, { description: programOps.preview })
  programPreview(@Arg("id", () => ID, programId) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.programs.preview(ctx.organizationId, id);
  }

  @Query(() => Program, { nullable: true, description: `${programOps.get}; null for an unknown id` })
  program(@Arg("id", () => ID, programId) id: string, @Ctx() ctx: GraphQLContext): Promise<Program | null> {
    return ctx.services.programs.getProgram(ctx.organizationId, id);
  }

  @Query(() => ProgramPage, { description: programOps.list })
  programs(
    @Arg("page", () => Int, { nullable: true, description: doc(pageQuerySchema, "page") }) page: number | null,
    @Arg("limit", () => Int, { nullable: true, description: doc(pageQuerySchema, "limit") }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.programs.listPrograms(ctx.organizationId, { page, limit });
  }

  @Mutation(() => Program, { description: programOps.create })
  createProgram(@Arg("input", () => ProgramInput, { description: doc(programInputSchema) }) input: ProgramInput, @Ctx() ctx: GraphQLContext): Promise<Program> {
    return ctx.services.programs.createProgram(ctx.organizationId, toProgramInput(input));
  }

  @Mutation(() => Program, { description: programOps.update })
  updateProgram(
    @Arg("id", () => ID, programId) id: string,
    @Arg("input", () => ProgramUpdateInput, { description: doc(programUpdateSchema) }) input: ProgramUpdateInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Program> {
    return ctx.services.programs.updateProgram(ctx.organizationId, id, toProgramInput(input));
  }
}
