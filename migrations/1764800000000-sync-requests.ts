import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Syncs asked for on demand (POST /api/base/sync/trigger/) and their progress, as the jobs that run them report
 * it: ids, the window, data type names, counts, a status and error codes. Never health values. A request is
 * `active` while queued or running; the partial unique index makes a second identical request find the first
 * instead of queueing the same window twice, even when both arrive at once.
 */
export class SyncRequests1764800000000 implements MigrationInterface {
  name = 'SyncRequests1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "sync_requests" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "link_id" integer NOT NULL,
        "ehr_user_id" character varying(255) NOT NULL,
        "provider" character varying(32) NOT NULL,
        "data_types" text NOT NULL,
        "window_start" TIMESTAMP WITH TIME ZONE NOT NULL,
        "window_end" TIMESTAMP WITH TIME ZONE NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'queued',
        "chunks_done" integer NOT NULL DEFAULT 0,
        "chunks_total" integer,
        "records_published" integer NOT NULL DEFAULT 0,
        "jobs_run" integer NOT NULL DEFAULT 0,
        "errors" text[] NOT NULL DEFAULT '{}',
        "request_id" character varying(128),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "started_at" TIMESTAMP WITH TIME ZONE,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_sync_requests" PRIMARY KEY ("id"),
        CONSTRAINT "fk_sync_requests_link" FOREIGN KEY ("link_id") REFERENCES "provider_links"("id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_sync_requests_active" ON "sync_requests" ("link_id", "window_start", "window_end", "data_types")
        WHERE "status" IN ('queued', 'running')`,
    );
    await q.query(`CREATE INDEX "ix_sync_requests_link" ON "sync_requests" ("link_id", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "sync_requests"`);
  }
}
