import { Field, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn } from "../../db/columns";
import { doc } from "../../shared/docs";
import { dncEntrySchema, DncSource, dncSourceDocs } from "./dnc.schema";

export { DncSource };

registerEnumType(DncSource, { name: "DncSource", description: dncSourceDocs.intro, valuesConfig: dncSourceDocs.valuesConfig });

const d = (field: string) => ({ description: doc(dncEntrySchema, field) });

@ObjectType({ description: doc(dncEntrySchema) })
@Entity("dnc_numbers")
@Index(["organizationId", "createdAt"])
export class DncNumber {
  @PrimaryColumn({ type: "varchar", length: 36 })
  organizationId!: string;

  @Field(d("number"))
  @PrimaryColumn({ type: "varchar", length: 20 })
  number!: string;

  @Field(() => String, { nullable: true, ...d("reason") })
  @Column({ type: "varchar", length: 200, nullable: true })
  reason!: string | null;

  @Field(() => DncSource, d("source"))
  @Column({ type: "varchar", length: 16 })
  source!: DncSource;

  @Field(d("createdAt"))
  @DateColumn()
  createdAt!: Date;
}
