import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dead letters: a notification whose job spent every attempt (or hit a permanent error) ends `failed` with a short
 * reason code and failed_at, instead of staying `queued` forever. A partial index serves the failed list; another
 * lets the reconciler walk the unfinished rows in (received_at, id) order without sorting the whole table.
 */
export class InboxDeadLetters1764400000000 implements MigrationInterface {
  name = 'InboxDeadLetters1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "notification_inbox" DROP CONSTRAINT "ck_notification_inbox_status"`);
    await q.query(
      `ALTER TABLE "notification_inbox" ADD CONSTRAINT "ck_notification_inbox_status"
         CHECK ("status" IN ('received', 'queued', 'routed', 'done', 'dropped', 'failed'))`,
    );
    await q.query(`ALTER TABLE "notification_inbox" ADD "failure_reason" character varying(64)`);
    await q.query(`ALTER TABLE "notification_inbox" ADD "failed_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(
      `CREATE INDEX "ix_notification_inbox_failed" ON "notification_inbox" ("failed_at", "id") WHERE "status" = 'failed'`,
    );
    await q.query(
      `CREATE INDEX "ix_notification_inbox_unfinished" ON "notification_inbox" ("received_at", "id")
         WHERE "status" IN ('received', 'queued')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_notification_inbox_unfinished"`);
    await q.query(`DROP INDEX "ix_notification_inbox_failed"`);
    // The old constraint has no failed state: such rows go back to queued, where the reconciler finds them.
    await q.query(`UPDATE "notification_inbox" SET "status" = 'queued' WHERE "status" = 'failed'`);
    await q.query(`ALTER TABLE "notification_inbox" DROP COLUMN "failed_at"`);
    await q.query(`ALTER TABLE "notification_inbox" DROP COLUMN "failure_reason"`);
    await q.query(`ALTER TABLE "notification_inbox" DROP CONSTRAINT "ck_notification_inbox_status"`);
    await q.query(
      `ALTER TABLE "notification_inbox" ADD CONSTRAINT "ck_notification_inbox_status"
         CHECK ("status" IN ('received', 'queued', 'routed', 'done', 'dropped'))`,
    );
  }
}
