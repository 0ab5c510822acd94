import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable webhook inbox: one row per distinct provider notification (unique provider + dedup key), written
 * before the notification is queued. Ids and times only, never health values.
 */
export class NotificationInbox1764000000000 implements MigrationInterface {
  name = 'NotificationInbox1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "notification_inbox" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "provider" character varying(32) NOT NULL,
        "dedup_key" character varying(64) NOT NULL,
        "link_id" integer,
        "payload" jsonb NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'received',
        "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "queued_at" TIMESTAMP WITH TIME ZONE,
        "attempts" integer NOT NULL DEFAULT 0,
        CONSTRAINT "uq_notification_inbox_provider_dedup" UNIQUE ("provider", "dedup_key"),
        CONSTRAINT "ck_notification_inbox_status" CHECK ("status" IN ('received', 'queued', 'done', 'dropped')),
        CONSTRAINT "pk_notification_inbox" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE INDEX "ix_notification_inbox_status_received" ON "notification_inbox" ("status", "received_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_notification_inbox_status_received"`);
    await q.query(`DROP TABLE "notification_inbox"`);
  }
}
