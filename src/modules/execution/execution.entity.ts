import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";
import { doc } from "../../shared/docs";
import type { RetryStrategy } from "../program/retry-strategy.types";
import type { AutoPauseRule as AutoPauseRuleValue, CallingHours as CallingHoursValue, PauseWindows as PauseWindowsValue } from "../rules/rules.schema";
import { AutoPauseRule } from "../rules/rules.types";
import type { CallOutcome, FlowOutcome } from "../telephony/call-outcome";
import {
  callAttemptSchema,
  ExecutionContactStatus,
  executionContactSchema,
  executionContactStatusDocs,
  executionSchema,
  ExecutionStatus,
  executionStatusDocs,
  SkipReason,
  skipReasonDocs,
  EffectiveExecutionStatus,
  effectiveStatusDocs,
} from "./execution.schema";
import { effectiveStatusOf } from "./execution-lifecycle";

export { ExecutionContactStatus, ExecutionStatus, SkipReason };

/** The call-attempt listing's whole order, newest first: its pages and the calls export's keyset chunks walk it. */
export const CALL_ORDER_INDEX = "IDX_call_attempts_order";

// GraphQL descriptions come from the REST schemas (execution.schema.ts): one text per field for both doors.
const e = (field: string) => ({ description: doc(executionSchema, field) });
const ec = (field: string) => ({ description: doc(executionContactSchema, field) });
const ca = (field: string) => ({ description: doc(callAttemptSchema, field) });

registerEnumType(ExecutionStatus, {
  name: "ExecutionStatus",
  description: executionStatusDocs.intro,
  valuesConfig: executionStatusDocs.valuesConfig,
});

@ObjectType({ description: doc(executionSchema) })
@Entity("program_executions")
@Index(["programId", "createdAt"])
@Index(["organizationId", "status"])
@Index(["organizationId", "actualEndAt"])
@Index(["status"])
@Index(["programId", "idempotencyKey"], { unique: true })
export class ProgramExecution {
  @Field(() => ID, e("id"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Field(() => ID, e("programId"))
  @IdColumn()
  programId!: string;

  @Field(() => ID, e("organizationId"))
  @IdColumn()
  organizationId!: string;

  @Field(() => ID, e("audienceId"))
  @IdColumn()
  audienceId!: string;

  @Field(() => ID, e("flowId"))
  @IdColumn()
  flowId!: string;

  @Field(() => Int, e("flowVersion"))
  @Column({ type: "int" })
  flowVersion!: number;

  @Field(() => ExecutionStatus, e("status"))
  @Column({ type: "varchar", length: 16 })
  status!: ExecutionStatus;

  @Field(() => Int, e("totalContacts"))
  @Column({ type: "int", default: 0 })
  totalContacts!: number;

  @Field(() => Int, e("contactsCompleted"))
  @Column({ type: "int", default: 0 })
  contactsCompleted!: number;

  @Field(() => Int, e("contactsFailed"))
  @Column({ type: "int", default: 0 })
  contactsFailed!: number;

  @Field(() => Int, e("contactsPending"))
  @Column({ type: "int", default: 0 })
  contactsPending!: number;

  @Field(() => Int, e("contactsInProgress"))
  @Column({ type: "int", default: 0 })
  contactsInProgress!: number;

  @Field(() => Int, e("contactsSkipped"))
  @Column({ type: "int", default: 0 })
  contactsSkipped!: number;

  @Field(e("scheduledStartAt"))
  @DateColumn()
  scheduledStartAt!: Date;

  @Field(() => Date, { nullable: true, ...e("scheduledStopAt") })
  @DateColumn({ nullable: true })
  scheduledStopAt!: Date | null;

  @Field(() => Date, { nullable: true, ...e("actualStartAt") })
  @DateColumn({ nullable: true })
  actualStartAt!: Date | null;

  @Field(() => Date, { nullable: true, ...e("actualEndAt") })
  @DateColumn({ nullable: true })
  actualEndAt!: Date | null;

  @Field(e("createdAt"))
  @DateColumn()
  createdAt!: Date;

  @Field(e("updatedAt"))
  @DateColumn()
  updatedAt!: Date;

  @Field(() => Int, e("sequence"))
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

  // The calling rules as they were at launch (a resume may replace the auto-pause rules).
  @JsonColumn({ nullable: true })
  pauseWindows!: PauseWindowsValue | null;

  @JsonColumn({ nullable: true })
  callingHours!: CallingHoursValue | null;

  @Field(() => [AutoPauseRule], e("autoPauseRules"))
  @JsonColumn({ nullable: true })
  autoPauseRules!: AutoPauseRuleValue[] | null;

  @Field(() => GraphQLJSONObject, e("nodeRunCounts"))
  @JsonColumn({ nullable: true })
  nodeRunCounts!: Record<string, number> | null;

  /** Whether the scheduler last saw it inside a pause window (its effective status is then paused_window). */
  @Column({ type: "boolean", default: false })
  inPauseWindow!: boolean;

  /** Computed when read: why a paused one is paused, and a running one inside a pause window. */
  @Field(() => EffectiveExecutionStatus, e("effectiveStatus"))
  get effectiveStatus(): EffectiveExecutionStatus {
    return effectiveStatusOf(this, Boolean(this.inPauseWindow)) as EffectiveExecutionStatus;
  }

  /** The position of the last entry of its event log. */
  @Column({ type: "int", default: 0 })
  eventPosition!: number;

  /** Why a paused execution is paused: manual, threshold or provider (null unless paused). */
  @Column({ type: "varchar", length: 16, nullable: true })
  pauseReason!: PauseReason | null;
}

export type PauseReason = "manual" | "threshold" | "provider";

registerEnumType(EffectiveExecutionStatus, { name: "EffectiveExecutionStatus", description: effectiveStatusDocs.intro, valuesConfig: effectiveStatusDocs.valuesConfig });
registerEnumType(SkipReason, { name: "SkipReason", description: skipReasonDocs.intro, valuesConfig: skipReasonDocs.valuesConfig });

registerEnumType(ExecutionContactStatus, {
  name: "ExecutionContactStatus",
  description: executionContactStatusDocs.intro,
  valuesConfig: executionContactStatusDocs.valuesConfig,
});

/** One row of an execution's audience snapshot; keyed (execution, contact) so launch copies it with INSERT … SELECT. */
@ObjectType({ description: doc(executionContactSchema) })
@Entity("execution_contacts")
@Index(["executionId", "status", "zoneKey", "nextAttemptAt"])
export class ExecutionContact {
  @PrimaryColumn({ type: "varchar", length: 36 })
  executionId!: string;

  @Field(() => ID, ec("contactId"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  contactId!: string;

  @Field(ec("primaryPhone"))
  @Column({ type: "varchar", length: 20 })
  primaryPhone!: string;

  @Field(() => ExecutionContactStatus, ec("status"))
  @Column({ type: "varchar", length: 16 })
  status!: ExecutionContactStatus;

  @Field(() => Int, ec("attempts"))
  @Column({ type: "int", default: 0 })
  attempts!: number;

  @Field(() => Date, { nullable: true, ...ec("nextAttemptAt") })
  @DateColumn({ nullable: true })
  nextAttemptAt!: Date | null;

  @Field(() => String, { nullable: true, ...ec("lastOutcome") })
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

  /** Its number's time-zone set, copied at launch when the program has calling hours ("" otherwise): claims group by it. */
  @Column({ type: "varchar", length: 16, default: "" })
  zoneKey!: string;

  @Field(() => SkipReason, { nullable: true, ...ec("skipReason") })
  @Column({ type: "varchar", length: 16, nullable: true })
  skipReason!: SkipReason | null;

  /** Carrier refusals that were not the contact's fault (429, 5xx, timeouts) in a row. */
  @Column({ type: "int", default: 0 })
  providerFailures!: number;
}

@ObjectType({ description: doc(callAttemptSchema) })
@Entity("call_attempts")
@Index(["executionId", "contactId", "attemptNumber"], { unique: true })
@Index(CALL_ORDER_INDEX, ["executionId", "startedAt", "attemptNumber", "id"])
@Index(["outcome", "lastEventAt"])
// The report's outcome counts and duration percentiles read this index alone (no row lookups).
@Index(["executionId", "outcome", "durationMs"])
export class CallAttempt {
  @Field(() => ID, ca("id"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Field(() => ID, ca("executionId"))
  @IdColumn()
  executionId!: string;

  @Field(() => ID, ca("contactId"))
  @IdColumn()
  contactId!: string;

  @Field(() => Int, ca("attemptNumber"))
  @Column({ type: "int" })
  attemptNumber!: number;

  /** NULL while the call runs. */
  @Field(() => String, { nullable: true, ...ca("outcome") })
  @Column({ type: "varchar", length: 16, nullable: true })
  outcome!: CallOutcome | null;

  @Field(() => String, { nullable: true, ...ca("failureReason") })
  @Column({ type: "varchar", length: 64, nullable: true })
  failureReason!: string | null;

  @Field(() => String, { nullable: true, ...ca("flowOutcome") })
  @Column({ type: "varchar", length: 16, nullable: true })
  flowOutcome!: FlowOutcome | null;

  @Field(ca("startedAt"))
  @DateColumn()
  startedAt!: Date;

  @Field(() => Date, { nullable: true, ...ca("answeredAt") })
  @DateColumn({ nullable: true })
  answeredAt!: Date | null;

  @Field(() => Date, { nullable: true, ...ca("endedAt") })
  @DateColumn({ nullable: true })
  endedAt!: Date | null;

  @Field(() => Int, { nullable: true, ...ca("durationMs") })
  @Column({ type: "int", nullable: true })
  durationMs!: number | null;

  @Field(() => [String], { nullable: true, ...ca("path") })
  @JsonColumn({ nullable: true })
  path!: string[] | null;

  @Field(() => GraphQLJSONObject, { nullable: true, ...ca("variables") })
  @JsonColumn({ nullable: true })
  variables!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, ...ca("fromNumber") })
  @Column({ type: "varchar", length: 20, nullable: true })
  fromNumber!: string | null;

  @Field(() => String, { nullable: true, ...ca("providerCallId") })
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
}
