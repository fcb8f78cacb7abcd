import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn } from "../../db/columns";

export enum DidStatus {
  ACTIVE = "active",
  INACTIVE = "inactive",
}
registerEnumType(DidStatus, { name: "DidStatus" });

/** A caller ID (a number the organization owns at its carrier) that calls may show. */
@ObjectType()
@Entity("dids")
@Index(["organizationId", "number"], { unique: true })
@Index(["organizationId", "createdAt"])
export class Did {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  organizationId!: string;

  @Field()
  @Column({ type: "varchar", length: 20 })
  number!: string;

  @Field()
  @Column({ type: "varchar", length: 2 })
  country!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 1000, nullable: true })
  description!: string | null;

  @Field(() => DidStatus)
  @Column({ type: "varchar", length: 16 })
  status!: DidStatus;

  @Field()
  @DateColumn()
  createdAt!: Date;

  @Field()
  @DateColumn()
  updatedAt!: Date;
}

/** When an execution last used each DID of its pool, so calls take the least recently used one. */
@Entity("execution_did_usage")
export class ExecutionDidUsage {
  @PrimaryColumn({ type: "varchar", length: 36 })
  executionId!: string;

  @PrimaryColumn({ type: "varchar", length: 36 })
  didId!: string;

  @DateColumn()
  lastUsedAt!: Date;
}
