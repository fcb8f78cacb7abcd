import { Entity, Index, PrimaryColumn } from "typeorm";
import { Column } from "typeorm";
import { DateColumn, IdColumn } from "../../db/columns";

@Entity("organizations")
export class Organization {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Column({ type: "varchar", length: 200 })
  name!: string;

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
