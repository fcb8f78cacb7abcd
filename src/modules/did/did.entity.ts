import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn } from "../../db/columns";
import { doc } from "../../shared/docs";
import { didSchema, DidStatus, didStatusDocs } from "./did.schema";

export { DidStatus };

registerEnumType(DidStatus, { name: "DidStatus", description: didStatusDocs.intro, valuesConfig: didStatusDocs.valuesConfig });

// GraphQL descriptions come from the REST schema (did.schema.ts).
const d = (field: string) => ({ description: doc(didSchema, field) });

/** A caller ID (a number the organization owns at its carrier) that calls may show. */
@ObjectType({ description: doc(didSchema) })
@Entity("dids")
@Index(["organizationId", "number"], { unique: true })
@Index(["organizationId", "createdAt"])
export class Did {
  @Field(() => ID, d("id"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  organizationId!: string;

  @Field(d("number"))
  @Column({ type: "varchar", length: 20 })
  number!: string;

  @Field(d("country"))
  @Column({ type: "varchar", length: 2 })
  country!: string;

  @Field(() => String, { nullable: true, ...d("description") })
  @Column({ type: "varchar", length: 1000, nullable: true })
  description!: string | null;

  @Field(() => DidStatus, d("status"))
  @Column({ type: "varchar", length: 16 })
  status!: DidStatus;

  @Field(d("createdAt"))
  @DateColumn()
  createdAt!: Date;

  @Field(d("updatedAt"))
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
