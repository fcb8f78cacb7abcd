import type { MigrationInterface, QueryRunner } from "typeorm";

// The call-attempt listing's whole order (started_at, attempt_number, id) in one index, so its pages and the calls
// export's keyset chunks are index ranges instead of a sort of the execution's every attempt; mysql dialect. The new
// index is built before the old one (its prefix) goes, so the listing is never without one.
export class CallAttemptOrder1796133260740 implements MigrationInterface {
  name = "CallAttemptOrder1796133260740";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE INDEX `IDX_call_attempts_order` ON `call_attempts` (`execution_id`, `started_at`, `attempt_number`, `id`)");
    await queryRunner.query("DROP INDEX `IDX_feeb993670310e3d72430a3d10` ON `call_attempts`");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE INDEX `IDX_feeb993670310e3d72430a3d10` ON `call_attempts` (`execution_id`, `started_at`)");
    await queryRunner.query("DROP INDEX `IDX_call_attempts_order` ON `call_attempts`");
  }
}
