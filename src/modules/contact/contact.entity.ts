import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";
import { doc } from "../../shared/docs";
import { contactSchema } from "./contact.schema";

const c = (field: string) => ({ description: doc(contactSchema, field) });

@ObjectType({ description: doc(contactSchema) })
@Entity("contacts")
@Index(["organizationId", "primaryPhone"], { unique: true })
@Index(["organizationId", "createdAt"])
export class Contact {
  @Field(() => ID, c("id"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  organizationId!: string;

  @Field(c("primaryPhone"))
  @Column({ type: "varchar", length: 20 })
  primaryPhone!: string;

  @Field(() => String, { nullable: true, ...c("firstName") })
  @Column({ type: "varchar", length: 100, nullable: true })
  firstName!: string | null;

  @Field(() => String, { nullable: true, ...c("lastName") })
  @Column({ type: "varchar", length: 100, nullable: true })
  lastName!: string | null;

  @Field(() => String, { nullable: true, ...c("primaryEmail") })
  @Column({ type: "varchar", length: 254, nullable: true })
  primaryEmail!: string | null;

  @Field(() => GraphQLJSONObject, c("customAttributes"))
  @JsonColumn()
  customAttributes!: Record<string, unknown>;

  /** The key of the number's time-zone set (time_zone_sets), "" when the number has none: calling hours group by it. */
  @Column({ type: "varchar", length: 16, default: "" })
  zoneKey!: string;

  @Field(c("createdAt"))
  @DateColumn()
  createdAt!: Date;

  @Field(c("updatedAt"))
  @DateColumn()
  updatedAt!: Date;
}
