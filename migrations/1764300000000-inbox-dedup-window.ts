import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deduplication within a window instead of forever: a notification repeated after INBOX_DEDUP_WINDOW_HOURS is a
 * new row of the next dedup round, so the unique key becomes (provider, dedup_key, dedup_round). Existing rows are
 * round 0. Also an index on audit_events.at, so the retention purge finds old events without a full scan.
 */
export class InboxDedupWindow1764300000000 implements MigrationInterface {
  name = 'InboxDedupWindow1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "notification_inbox" ADD "dedup_round" integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE "notification_inbox" DROP CONSTRAINT "uq_notification_inbox_provider_dedup"`);
    await q.query(
      `ALTER TABLE "notification_inbox" ADD CONSTRAINT "uq_notification_inbox_provider_dedup_round"
         UNIQUE ("provider", "dedup_key", "dedup_round")`,
    );
    await q.query(`CREATE INDEX "ix_audit_events_at" ON "audit_events" ("at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_audit_events_at"`);
    // One row per key fits the old constraint: keep the latest round, the one that may still be unfinished.
    await q.query(
      `DELETE FROM "notification_inbox" n USING "notification_inbox" later
        WHERE later."provider" = n."provider" AND later."dedup_key" = n."dedup_key"
          AND later."dedup_round" > n."dedup_round"`,
    );
    await q.query(
      `ALTER TABLE "notification_inbox" DROP CONSTRAINT "uq_notification_inbox_provider_dedup_round"`,
    );
    await q.query(
      `ALTER TABLE "notification_inbox" ADD CONSTRAINT "uq_notification_inbox_provider_dedup"
         UNIQUE ("provider", "dedup_key")`,
    );
    await q.query(`ALTER TABLE "notification_inbox" DROP COLUMN "dedup_round"`);
  }
}
