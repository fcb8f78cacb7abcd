import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";

@ObjectType()
@Entity("contacts")
@Index(["organizationId", "primaryPhone"], { unique: true })
@Index(["organizationId", "createdAt"])
export class Contact {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  organizationId!: string;

  @Field()
  @Column({ type: "varchar", length: 20 })
  primaryPhone!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 100, nullable: true })
  firstName!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 100, nullable: true })
  lastName!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 254, nullable: true })
  primaryEmail!: string | null;

  @Field(() => GraphQLJSONObject)
  @JsonColumn()
  customAttributes!: Record<string, unknown>;

  @Field()
  @DateColumn()
  createdAt!: Date;

  @Field()
  @DateColumn()
  updatedAt!: Date;
}
