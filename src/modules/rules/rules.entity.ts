import { Column, Entity, PrimaryColumn } from "typeorm";

/** The time zones behind a zone key (public geocoding data, shared by every organization). */
@Entity("time_zone_sets")
export class TimeZoneSet {
  @PrimaryColumn({ type: "varchar", length: 16 })
  zoneKey!: string;

  /** IANA zones joined by "&", sorted. */
  @Column({ type: "text" })
  timeZones!: string;
}

/** An execution's contacts grouped by the time-zone set of their numbers, made at launch: claims pick the open groups. */
@Entity("execution_zone_groups")
export class ExecutionZoneGroup {
  @PrimaryColumn({ type: "varchar", length: 36 })
  executionId!: string;

  @PrimaryColumn({ type: "varchar", length: 16 })
  zoneKey!: string;

  @Column({ type: "int" })
  contacts!: number;
}

