import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";
import type { RetryStrategy } from "../program/retry-strategy.types";

export enum ExecutionStatus {
  SCHEDULED = "scheduled",
  RUNNING = "running",
  PAUSED = "paused",
  COMPLETED = "completed",
  STOPPED = "stopped",
  CANCELLED = "cancelled",
}
registerEnumType(ExecutionStatus, { name: "ExecutionStatus" });

@ObjectType()
@Entity("program_executions")
@Index(["programId", "createdAt"])
@Index(["organizationId", "status"])
@Index(["status"])
@Index(["programId", "idempotencyKey"], { unique: true })
export class ProgramExecution {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Field(() => ID)
  @IdColumn()
  programId!: string;

  @Field(() => ID)
  @IdColumn()
  organizationId!: string;

  @Field(() => ID)
  @IdColumn()
  audienceId!: string;

  @Field(() => ID)
  @IdColumn()
  flowId!: string;

  @Field(() => Int)
  @Column({ type: "int" })
  flowVersion!: number;

  @Field(() => ExecutionStatus)
  @Column({ type: "varchar", length: 16 })
  status!: ExecutionStatus;

  @Field(() => Int)
  @Column({ type: "int", default: 0 })
  totalContacts!: number;

  @Field(() => Int)
  @Column({ type: "int", default: 0 })
  contactsCompleted!: number;

  @Field(() => Int)
  @Column({ type: "int", default: 0 })
  contactsFailed!: number;

  @Field(() => Int)
  @Column({ type: "int", default: 0 })
  contactsPending!: number;

  @Field(() => Int)
  @Column({ type: "int", default: 0 })
  contactsInProgress!: number;

  @Field(() => Int)
  @Column({ type: "int", default: 0 })
  contactsSkipped!: number;

  @Field()
  @DateColumn()
  scheduledStartAt!: Date;

  @Field(() => Date, { nullable: true })
  @DateColumn({ nullable: true })
  scheduledStopAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @DateColumn({ nullable: true })
  actualStartAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @DateColumn({ nullable: true })
  actualEndAt!: Date | null;

  @Field()
  @DateColumn()
  createdAt!: Date;

  @Field()
  @DateColumn()
  updatedAt!: Date;

  @Field(() => Int, { description: "Increases with every committed change; orders events." })
  @Column({ type: "int", name: "sequence_no" })
  sequence!: number;

  // The program as it was at launch.
  @JsonColumn()
  retryStrategy!: RetryStrategy;

  @Column({ type: "int" })
  maxConcurrentCalls!: number;

  /** Holds programId while the execution is unfinished, NULL after: the unique index allows one per program. */
  @Index({ unique: true })
  @Column({ type: "varchar", length: 36, nullable: true })
  activeProgramId!: string | null;

  @Column({ type: "varchar", length: 200, nullable: true })
  idempotencyKey!: string | null;

  /** Why a paused execution is paused: manual, threshold or provider (null unless paused). */
  @Column({ type: "varchar", length: 16, nullable: true })
  pauseReason!: PauseReason | null;
}

export type PauseReason = "manual" | "threshold" | "provider";

export enum ExecutionContactStatus {
  PENDING = "pending",
  IN_PROGRESS = "inProgress",
  COMPLETED = "completed",
  FAILED = "failed",
  SKIPPED = "skipped",
}
registerEnumType(ExecutionContactStatus, { name: "ExecutionContactStatus" });

/** One row of an execution's audience snapshot; keyed (execution, contact) so launch copies it with INSERT … SELECT. */
@ObjectType()
@Entity("execution_contacts")
@Index(["executionId", "status", "nextAttemptAt"])
export class ExecutionContact {
  @PrimaryColumn({ type: "varchar", length: 36 })
  executionId!: string;

  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  contactId!: string;

  @Field()
  @Column({ type: "varchar", length: 20 })
  primaryPhone!: string;

  @Field(() => ExecutionContactStatus)
  @Column({ type: "varchar", length: 16 })
  status!: ExecutionContactStatus;

  @Field(() => Int)
  @Column({ type: "int", default: 0 })
  attempts!: number;

  @Field(() => Date, { nullable: true })
  @DateColumn({ nullable: true })
  nextAttemptAt!: Date | null;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 16, nullable: true })
  lastOutcome!: string | null;

  /** While claimed and not yet placed with a carrier: when any dispatcher may reclaim it (database clock). */
  @DateColumn({ nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ type: "varchar", length: 64, nullable: true })
  claimedBy!: string | null;

  /** The attempt id of the current claim: only a result carrying it completes the claim. */
  @Column({ type: "varchar", length: 36, nullable: true })
  claimToken!: string | null;

  /** Carrier refusals that were not the contact's fault (429, 5xx, timeouts) in a row. */
  @Column({ type: "int", default: 0 })
  providerFailures!: number;
}

@ObjectType()
@Entity("call_attempts")
@Index(["executionId", "contactId", "attemptNumber"], { unique: true })
@Index(["executionId", "startedAt"])
@Index(["outcome", "lastEventAt"])
export class CallAttempt {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Field(() => ID)
  @IdColumn()
  executionId!: string;

  @Field(() => ID)
  @IdColumn()
  contactId!: string;

  @Field(() => Int)
  @Column({ type: "int" })
  attemptNumber!: number;

  /** NULL while the call runs. */
  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 16, nullable: true })
  outcome!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 64, nullable: true })
  failureReason!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 16, nullable: true })
  flowOutcome!: string | null;

  @Field()
  @DateColumn()
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  @DateColumn({ nullable: true })
  answeredAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @DateColumn({ nullable: true })
  endedAt!: Date | null;

  @Field(() => Int, { nullable: true })
  @Column({ type: "int", nullable: true })
  durationMs!: number | null;

  @Field(() => [String], { nullable: true })
  @JsonColumn({ nullable: true })
  path!: string[] | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  @JsonColumn({ nullable: true })
  variables!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: "The caller ID the call showed." })
  @Column({ type: "varchar", length: 20, nullable: true })
  fromNumber!: string | null;

  @Field(() => String, { nullable: true, description: "The carrier's call id (null for the simulator)." })
  @Column({ type: "varchar", length: 64, nullable: true })
  providerCallId!: string | null;

  /** A carrier call's flow state between webhooks (flow-machine.ts), null for in-process calls. */
  @JsonColumn({ nullable: true })
  flowState!: unknown;

  /** The flow state's turn: saving a new state is a compare-and-set on it, so two webhooks never both advance. */
  @Column({ type: "int", nullable: true })
  flowTurn!: number | null;

  /** The last carrier request about the call (database clock); a silent call is looked up after a lease. */
  @DateColumn({ nullable: true })
  lastEventAt!: Date | null;

  /** The highest status callback SequenceNumber applied, so repeats and late ones change nothing. */
  @Column({ type: "int", nullable: true })
  callbackSeq!: number | null;
}
