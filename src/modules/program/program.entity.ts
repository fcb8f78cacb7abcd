import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";
import type { RetryStrategy } from "./retry-strategy.types";

export enum ProgramStatus {
  DRAFT = "draft",
  ACTIVE = "active",
  ARCHIVED = "archived",
}
registerEnumType(ProgramStatus, { name: "ProgramStatus" });

@ObjectType("RetryStrategy")
export class RetryStrategyType {
  @Field({ description: "none | fixed_delay | scheduled" })
  type!: string;

  @Field(() => Float, { nullable: true })
  delayMinutes?: number | null;

  @Field(() => Int, { nullable: true })
  maxRetries?: number | null;

  @Field(() => [Date], { nullable: true })
  retryDates?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  retryOnVoicemail?: boolean | null;
}

@ObjectType()
@Entity("programs")
@Index(["organizationId", "createdAt"])
@Index(["audienceId"])
@Index(["flowId"])
export class Program {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  organizationId!: string;

  @Field()
  @Column({ type: "varchar", length: 200 })
  name!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 1000, nullable: true })
  description!: string | null;

  @Field(() => ProgramStatus)
  @Column({ type: "varchar", length: 16 })
  status!: ProgramStatus;

  @Field(() => ID)
  @IdColumn()
  audienceId!: string;

  @Field(() => ID)
  @IdColumn()
  flowId!: string;

  @Field(() => Date, { nullable: true })
  @DateColumn({ nullable: true })
  startAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @DateColumn({ nullable: true })
  stopAt!: Date | null;

  @Field(() => RetryStrategyType)
  @JsonColumn()
  retryStrategy!: RetryStrategy;

  @Field(() => Int)
  @Column({ type: "int" })
  maxConcurrentCalls!: number;

  /** Caller IDs calls rotate through (read when each call is placed). */
  @Field(() => [ID])
  @JsonColumn({ nullable: true })
  didPool!: string[] | null;

  @Field()
  @DateColumn()
  createdAt!: Date;

  @Field()
  @DateColumn()
  updatedAt!: Date;
}
