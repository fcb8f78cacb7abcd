import { Field, ID, Int, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn } from "../../db/columns";
import { doc } from "../../shared/docs";
import { audienceSchema } from "./audience.schema";

const a = (field: string) => ({ description: doc(audienceSchema, field) });

@ObjectType({ description: doc(audienceSchema) })
@Entity("audiences")
@Index(["organizationId", "createdAt"])
export class Audience {
  @Field(() => ID, a("id"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  organizationId!: string;

  @Field(a("name"))
  @Column({ type: "varchar", length: 200 })
  name!: string;

  @Field(() => String, { nullable: true, ...a("description") })
  @Column({ type: "varchar", length: 1000, nullable: true })
  description!: string | null;

  /** Counted from the membership table when read; not a column. */
  @Field(() => Int, a("contactCount"))
  contactCount!: number;

  @Field(a("createdAt"))
  @DateColumn()
  createdAt!: Date;

  @Field(a("updatedAt"))
  @DateColumn()
  updatedAt!: Date;
}

/** Many-to-many membership. The key doubles as the index that launch's snapshot copy reads. */
@Entity("audience_contacts")
@Index(["contactId"])
export class AudienceContact {
  @PrimaryColumn({ type: "varchar", length: 36 })
  audienceId!: string;

  @PrimaryColumn({ type: "varchar", length: 36 })
  contactId!: string;

  @DateColumn()
  createdAt!: Date;
}
