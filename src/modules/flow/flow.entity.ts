import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";
import { doc } from "../../shared/docs";
import { flowNodeSchema, flowSchema } from "./flow.schema";
import type { FlowNode } from "./flow.types";

// GraphQL descriptions come from the REST schemas (flow.schema.ts).
const n = (field: string) => ({ description: doc(flowNodeSchema, field) });
const f = (field: string) => ({ description: doc(flowSchema, field) });

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

@ObjectType("FlowNode", { description: doc(flowNodeSchema) })
export class FlowNodeType {
  @Field(() => ID, n("id"))
  id!: string;

  @Field(n("type"))
  type!: string;

  @Field(() => String, { nullable: true, ...n("label") })
  label?: string | null;

  @Field(() => GraphQLJSONObject, n("config"))
  config!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, n("outputs"))
  outputs!: Record<string, string>;
}

/** A flow as clients see it: the record with its current version's graph. */
@ObjectType("Flow", { description: doc(flowSchema) })
export class Flow {
  @Field(() => ID, f("id"))
  id!: string;

  @Field(f("name"))
  name!: string;

  @Field(() => Int, f("version"))
  version!: number;

  @Field(f("startNodeId"))
  startNodeId!: string;

  @Field(() => [FlowNodeType], f("nodes"))
  nodes!: FlowNode[];

  @Field(f("createdAt"))
  createdAt!: Date;

  @Field(f("updatedAt"))
  updatedAt!: Date;
}
