import { Arg, Ctx, Field, Float, ID, InputType, Int, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../http/graphql-context";
import { PageType } from "../../shared/page.type";
import { plain } from "../../shared/plain";
import { Program, ProgramStatus } from "./program.entity";

@InputType()
export class RetryStrategyInput {
  @Field({ description: "none | fixed_delay | scheduled" }) type!: string;
  @Field(() => Float, { nullable: true }) delayMinutes?: number | null;
  @Field(() => Int, { nullable: true }) maxRetries?: number | null;
  @Field(() => [Date], { nullable: true }) retryDates?: Date[] | null;
  @Field(() => Boolean, { nullable: true }) retryOnVoicemail?: boolean | null;
}

@InputType()
export class ProgramInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID) audienceId!: string;
  @Field(() => ID) flowId!: string;
  @Field(() => Date, { nullable: true }) startAt?: Date | null;
  @Field(() => Date, { nullable: true }) stopAt?: Date | null;
  @Field(() => RetryStrategyInput, { nullable: true }) retryStrategy?: RetryStrategyInput | null;
  @Field(() => Int, { nullable: true }) maxConcurrentCalls?: number | null;
}

@InputType()
export class ProgramUpdateInput {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID, { nullable: true }) audienceId?: string;
  @Field(() => ID, { nullable: true }) flowId?: string;
  @Field(() => Date, { nullable: true }) startAt?: Date | null;
  @Field(() => Date, { nullable: true }) stopAt?: Date | null;
  @Field(() => RetryStrategyInput, { nullable: true }) retryStrategy?: RetryStrategyInput | null;
  @Field(() => Int, { nullable: true }) maxConcurrentCalls?: number;
  @Field(() => ProgramStatus, { nullable: true }) status?: ProgramStatus;
}

export const ProgramPage = PageType(Program, "Program");

/** GraphQL gives dates and explicit nulls; the service takes the REST-shaped JSON. */
function toProgramInput(input: ProgramInput | ProgramUpdateInput) {
  const out = plain(input);
  for (const k of ["maxConcurrentCalls", "name", "audienceId", "flowId", "status", "retryStrategy"]) if (out[k] === null) delete out[k];
  if (input.retryStrategy) {
    const rs = Object.fromEntries(Object.entries(plain(input.retryStrategy)).filter(([, v]) => v !== null));
    if (Array.isArray(rs.retryDates)) rs.retryDates = (rs.retryDates as Date[]).map((d) => d.toISOString());
    out.retryStrategy = rs;
  }
  return out;
}

@Resolver(() => Program)
export class ProgramResolver {
  @Query(() => Program, { nullable: true })
  program(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Program | null> {
    return ctx.services.programs.getProgram(ctx.organizationId, id);
  }

  @Query(() => ProgramPage)
  programs(
    @Arg("page", () => Int, { nullable: true }) page: number | null,
    @Arg("limit", () => Int, { nullable: true }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.programs.listPrograms(ctx.organizationId, { page, limit });
  }

  @Mutation(() => Program)
  createProgram(@Arg("input", () => ProgramInput) input: ProgramInput, @Ctx() ctx: GraphQLContext): Promise<Program> {
    return ctx.services.programs.createProgram(ctx.organizationId, toProgramInput(input));
  }

  @Mutation(() => Program)
  updateProgram(@Arg("id", () => ID) id: string, @Arg("input", () => ProgramUpdateInput) input: ProgramUpdateInput, @Ctx() ctx: GraphQLContext): Promise<Program> {
    return ctx.services.programs.updateProgram(ctx.organizationId, id, toProgramInput(input));
  }
}
