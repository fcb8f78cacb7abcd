import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";
import { doc } from "../../shared/docs";
import { ProgramStatus, programSchema, programStatusDocs } from "./program.schema";
import { retryStrategySchema } from "./retry-strategy.schema";
import type { RetryStrategy } from "./retry-strategy.types";
import type { AutoPauseRule as AutoPauseRuleValue, CallingHours as CallingHoursValue, PauseWindows as PauseWindowsValue } from "../rules/rules.schema";
import { AutoPauseRule, CallingHours, PauseWindows } from "../rules/rules.types";

export { ProgramStatus };

// GraphQL descriptions come from the REST schemas (program.schema.ts, retry-strategy.schema.ts).
const p = (field: string) => ({ description: doc(programSchema, field) });
const rs = (field: string) => ({ description: doc(retryStrategySchema, field) });

registerEnumType(ProgramStatus, { name: "ProgramStatus", description: programStatusDocs.intro, valuesConfig: programStatusDocs.valuesConfig });

@ObjectType("RetryStrategy", { description: doc(retryStrategySchema) })
export class RetryStrategyType {
  @Field(rs("type"))
  type!: string;

  @Field(() => Float, { nullable: true, ...rs("delayMinutes") })
  delayMinutes?: number | null;

  @Field(() => Int, { nullable: true, ...rs("maxRetries") })
  maxRetries?: number | null;

  @Field(() => [Date], { nullable: true, ...rs("retryDates") })
  retryDates?: string[] | null;

  @Field(() => Boolean, { nullable: true, ...rs("retryOnVoicemail") })
  retryOnVoicemail?: boolean | null;
}

@ObjectType({ description: doc(programSchema) })
@Entity("programs")
@Index(["organizationId", "createdAt"])
@Index(["audienceId"])
@Index(["flowId"])
export class Program {
  @Field(() => ID, p("id"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  organizationId!: string;

  @Field(p("name"))
  @Column({ type: "varchar", length: 200 })
  name!: string;

  @Field(() => String, { nullable: true, ...p("description") })
  @Column({ type: "varchar", length: 1000, nullable: true })
  description!: string | null;

  @Field(() => ProgramStatus, p("status"))
  @Column({ type: "varchar", length: 16 })
  status!: ProgramStatus;

  @Field(() => ID, p("audienceId"))
  @IdColumn()
  audienceId!: string;

  @Field(() => ID, p("flowId"))
  @IdColumn()
  flowId!: string;

  @Field(() => Date, { nullable: true, ...p("startAt") })
  @DateColumn({ nullable: true })
  startAt!: Date | null;

  @Field(() => Date, { nullable: true, ...p("stopAt") })
  @DateColumn({ nullable: true })
  stopAt!: Date | null;

  @Field(() => RetryStrategyType, p("retryStrategy"))
  @JsonColumn()
  retryStrategy!: RetryStrategy;

  @Field(() => Int, p("maxConcurrentCalls"))
  @Column({ type: "int" })
  maxConcurrentCalls!: number;

  @Field(() => [ID], p("didPool"))
  @JsonColumn({ nullable: true })
  didPool!: string[] | null;

  @Field(() => PauseWindows, { nullable: true, ...p("pauseWindows") })
  @JsonColumn({ nullable: true })
  pauseWindows!: PauseWindowsValue | null;

  @Field(() => CallingHours, { nullable: true, ...p("callingHours") })
  @JsonColumn({ nullable: true })
  callingHours!: CallingHoursValue | null;

  @Field(() => [AutoPauseRule], p("autoPauseRules"))
  @JsonColumn({ nullable: true })
  autoPauseRules!: AutoPauseRuleValue[] | null;

  @Field(p("createdAt"))
  @DateColumn()
  createdAt!: Date;

  @Field(p("updatedAt"))
  @DateColumn()
  updatedAt!: Date;
}
