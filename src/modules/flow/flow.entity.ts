import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";
import type { FlowNode } from "./flow.types";

@Entity("flows")
@Index(["organizationId", "createdAt"])
export class FlowRecord {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  organizationId!: string;

  @Column({ type: "varchar", length: 200 })
  name!: string;

  /** The current version; every update appends a FlowVersion and bumps it. */
  @Column({ type: "int" })
  version!: number;

  @DateColumn()
  createdAt!: Date;

  @DateColumn()
  updatedAt!: Date;
}

/** An immutable version of a flow's graph; executions pin one. */
@Entity("flow_versions")
export class FlowVersion {
  @PrimaryColumn({ type: "varchar", length: 36 })
  flowId!: string;

  @PrimaryColumn({ type: "int" })
  version!: number;

  @Column({ type: "varchar", length: 100 })
  startNodeId!: string;

  @JsonColumn()
  nodes!: FlowNode[];

  @DateColumn()
  createdAt!: Date;
}

@ObjectType("FlowNode")
export class FlowNodeType {
  @Field(() => ID)
  id!: string;

  @Field()
  type!: string;

  @Field(() => String, { nullable: true })
  label?: string | null;

  @Field(() => GraphQLJSONObject)
  config!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject)
  outputs!: Record<string, string>;
}

/** A flow as clients see it: the record with its current version's graph. */
@ObjectType("Flow")
export class Flow {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => Int)
  version!: number;

  @Field()
  startNodeId!: string;

  @Field(() => [FlowNodeType])
  nodes!: FlowNode[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}
