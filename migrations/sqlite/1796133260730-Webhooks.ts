import type { MigrationInterface, QueryRunner } from "typeorm";

// Webhooks, where each stands in each execution's event log, and the delivery log; sqlite dialect.
export class Webhooks1796133260730 implements MigrationInterface {
  name = "Webhooks1796133260730";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"webhooks\" (\"id\" varchar(36) PRIMARY KEY NOT NULL, \"organization_id\" varchar(36) NOT NULL, \"url\" varchar(2000) NOT NULL, \"events\" text NOT NULL, \"secret\" varchar(100) NOT NULL, \"enabled\" boolean NOT NULL DEFAULT (1), \"disabled_reason\" varchar(500), \"failing_since\" bigint, \"created_at\" bigint NOT NULL, \"updated_at\" bigint NOT NULL)");
    await queryRunner.query("CREATE INDEX \"IDX_6c1e15d361658e3fe7329cbbaf\" ON \"webhooks\" (\"organization_id\", \"created_at\") ");
    await queryRunner.query("CREATE TABLE \"webhook_cursors\" (\"webhook_id\" varchar(36) NOT NULL, \"execution_id\" varchar(36) NOT NULL, \"delivered_position\" integer NOT NULL DEFAULT (0), \"attempts\" integer NOT NULL DEFAULT (0), \"next_attempt_at\" bigint NOT NULL DEFAULT (0), \"open\" boolean NOT NULL DEFAULT (1), \"claim_token\" varchar(36), \"lease_expires_at\" bigint, PRIMARY KEY (\"webhook_id\", \"execution_id\"))");
    await queryRunner.query("CREATE INDEX \"IDX_cdc707bfdf53be75de910f1344\" ON \"webhook_cursors\" (\"open\", \"next_attempt_at\") ");
    await queryRunner.query("CREATE TABLE \"webhook_deliveries\" (\"id\" varchar(36) PRIMARY KEY NOT NULL, \"webhook_id\" varchar(36) NOT NULL, \"event_id\" varchar(36) NOT NULL, \"attempt\" integer NOT NULL, \"status\" varchar(16) NOT NULL, \"response_status\" integer, \"error\" varchar(500), \"created_at\" bigint NOT NULL, \"delivered_at\" bigint)");
    await queryRunner.query("CREATE INDEX \"IDX_ff6a6af2b5ceb2b23d07ec286d\" ON \"webhook_deliveries\" (\"webhook_id\", \"created_at\") ");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX \"IDX_ff6a6af2b5ceb2b23d07ec286d\"");
    await queryRunner.query("DROP TABLE \"webhook_deliveries\"");
    await queryRunner.query("DROP INDEX \"IDX_cdc707bfdf53be75de910f1344\"");
    await queryRunner.query("DROP TABLE \"webhook_cursors\"");
    await queryRunner.query("DROP INDEX \"IDX_6c1e15d361658e3fe7329cbbaf\"");
    await queryRunner.query("DROP TABLE \"webhooks\"");
  }
}
