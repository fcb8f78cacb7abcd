import type { MigrationInterface, QueryRunner } from "typeorm";
import { fillContactZones } from "../contact-zones";

// Written by hand (data, not schema): the time-zone set of every existing contact; mysql dialect.
export class ContactZones1796133260723 implements MigrationInterface {
  name = "ContactZones1796133260723";

  async up(queryRunner: QueryRunner): Promise<void> {
    await fillContactZones(queryRunner, "INSERT IGNORE");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("UPDATE contacts SET zone_key = ''");
  }
}
