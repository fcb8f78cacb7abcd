import type { MigrationInterface, QueryRunner } from "typeorm";

// Webhooks, where each stands in each execution's event log, and the delivery log; mysql dialect.
export class Webhooks1796133260730 implements MigrationInterface {
  name = "Webhooks1796133260730";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `webhooks` (`id` varchar(36) NOT NULL, `organization_id` varchar(36) NOT NULL, `url` varchar(2000) NOT NULL, `events` text NOT NULL, `secret` varchar(100) NOT NULL, `enabled` tinyint NOT NULL DEFAULT 1, `disabled_reason` varchar(500) NULL, `failing_since` bigint NULL, `created_at` bigint NOT NULL, `updated_at` bigint NOT NULL, INDEX `IDX_6c1e15d361658e3fe7329cbbaf` (`organization_id`, `created_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `webhook_cursors` (`webhook_id` varchar(36) NOT NULL, `execution_id` varchar(36) NOT NULL, `delivered_position` int NOT NULL DEFAULT '0', `attempts` int NOT NULL DEFAULT '0', `next_attempt_at` bigint NOT NULL DEFAULT '0', `open` tinyint NOT NULL DEFAULT 1, `claim_token` varchar(36) NULL, `lease_expires_at` bigint NULL, INDEX `IDX_cdc707bfdf53be75de910f1344` (`open`, `next_attempt_at`), PRIMARY KEY (`webhook_id`, `execution_id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `webhook_deliveries` (`id` varchar(36) NOT NULL, `webhook_id` varchar(36) NOT NULL, `event_id` varchar(36) NOT NULL, `attempt` int NOT NULL, `status` varchar(16) NOT NULL, `response_status` int NULL, `error` varchar(500) NULL, `created_at` bigint NOT NULL, `delivered_at` bigint NULL, INDEX `IDX_ff6a6af2b5ceb2b23d07ec286d` (`webhook_id`, `created_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_ff6a6af2b5ceb2b23d07ec286d` ON `webhook_deliveries`");
    await queryRunner.query("DROP TABLE `webhook_deliveries`");
    await queryRunner.query("DROP INDEX `IDX_cdc707bfdf53be75de910f1344` ON `webhook_cursors`");
    await queryRunner.query("DROP TABLE `webhook_cursors`");
    await queryRunner.query("DROP INDEX `IDX_6c1e15d361658e3fe7329cbbaf` ON `webhooks`");
    await queryRunner.query("DROP TABLE `webhooks`");
  }
}
