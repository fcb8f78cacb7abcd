import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";

/**
 * One entry of an execution's event log (the outbox): appended in the same transaction as the change it records,
 * numbered 1, 2, 3… per execution with no gaps (`position`), with the execution's `sequence` after the change.
 */
@Entity("execution_events")
@Index(["executionId", "position"], { unique: true })
@Index(["organizationId", "occurredAt"])
export class ExecutionEventRecord {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  executionId!: string;

  @IdColumn()
  organizationId!: string;

  @Column({ type: "int" })
  position!: number;

  @Column({ type: "int" })
  sequence!: number;

  @Column({ type: "varchar", length: 40 })
  type!: string;

  @DateColumn()
  occurredAt!: Date;

  @JsonColumn()
  data!: Record<string, unknown>;
}
