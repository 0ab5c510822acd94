import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing of processed notifications: a row the notifications worker has read becomes `routed`, holding the data
 * types and window it asks for, until its link's real-time sync drains it (then `done`). The window lives in
 * Postgres, not in a job, so per-link deduplicated sync jobs lose no window. sync_states.synced_through is the end
 * of the window the scheduled syncs have covered, where the next incremental sync starts (minus its overlap).
 */
export class InboxRouting1764100000000 implements MigrationInterface {
  name = 'InboxRouting1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "notification_inbox" DROP CONSTRAINT "ck_notification_inbox_status"`);
    await q.query(
      `ALTER TABLE "notification_inbox" ADD CONSTRAINT "ck_notification_inbox_status"
         CHECK ("status" IN ('received', 'queued', 'routed', 'done', 'dropped'))`,
    );
    await q.query(`ALTER TABLE "notification_inbox" ADD "data_types" character varying array`);
    await q.query(`ALTER TABLE "notification_inbox" ADD "window_start" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "notification_inbox" ADD "window_end" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "notification_inbox" ADD "routed_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "notification_inbox" ADD "finished_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(
      `CREATE INDEX "ix_notification_inbox_link_routed" ON "notification_inbox" ("link_id") WHERE "status" = 'routed'`,
    );
    await q.query(`ALTER TABLE "sync_states" ADD "synced_through" TIMESTAMP WITH TIME ZONE`);
    await q.query(
      `CREATE INDEX "ix_provider_links_provider_legacy" ON "provider_links" ("provider_id", "legacy_user_id")
         WHERE "legacy_user_id" IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_provider_links_provider_legacy"`);
    await q.query(`ALTER TABLE "sync_states" DROP COLUMN "synced_through"`);
    await q.query(`DROP INDEX "ix_notification_inbox_link_routed"`);
    await q.query(`UPDATE "notification_inbox" SET "status" = 'queued' WHERE "status" = 'routed'`);
    for (const column of ['finished_at', 'routed_at', 'window_end', 'window_start', 'data_types']) {
      await q.query(`ALTER TABLE "notification_inbox" DROP COLUMN "${column}"`);
    }
    await q.query(`ALTER TABLE "notification_inbox" DROP CONSTRAINT "ck_notification_inbox_status"`);
    await q.query(
      `ALTER TABLE "notification_inbox" ADD CONSTRAINT "ck_notification_inbox_status"
         CHECK ("status" IN ('received', 'queued', 'done', 'dropped'))`,
    );
  }
}
