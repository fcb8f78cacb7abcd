import { Field, ID, Int, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn } from "../../db/columns";
import { doc } from "../../shared/docs";
import { organizationSchema } from "./organization.schema";

const o = (field: string) => ({ description: doc(organizationSchema, field) });

@ObjectType({ description: doc(organizationSchema) })
@Entity("organizations")
export class Organization {
  @Field(() => ID, o("id"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Field(o("name"))
  @Column({ type: "varchar", length: 200 })
  name!: string;

  @Field(o("timezone"))
  @Column({ type: "varchar", length: 64, default: "UTC" })
  timezone!: string;

  @Field(() => Int, { nullable: true, ...o("maxConcurrentCalls") })
  @Column({ type: "int", nullable: true })
  maxConcurrentCalls!: number | null;

  @Field(o("createdAt"))
  @DateColumn()
  createdAt!: Date;
}

/** Only the SHA-256 of a key is stored; the key itself is shown once, when it is created. */
@Entity("api_keys")
export class ApiKey {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Index()
  @IdColumn()
  organizationId!: string;

  @Index({ unique: true })
  @Column({ type: "varchar", length: 64 })
  keyHash!: string;

  @DateColumn()
  createdAt!: Date;

  @DateColumn({ nullable: true })
  revokedAt!: Date | null;
}
