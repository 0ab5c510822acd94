import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Resumable backfills: each data type's sync state keeps the progress of the window its sync is working through
 * (the window's start, the end of its last published chunk, chunks done and in all, records published so far, when
 * it was saved). Times and counts only, no health data. A retried, stalled or continued sync job resumes after the
 * saved chunk; a completed sync clears the columns.
 */
export class SyncBackfillProgress1764500000000 implements MigrationInterface {
  name = 'SyncBackfillProgress1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sync_states" ADD "backfill_start" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "sync_states" ADD "backfill_done_through" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "sync_states" ADD "backfill_chunks_done" integer`);
    await q.query(`ALTER TABLE "sync_states" ADD "backfill_chunks_total" integer`);
    await q.query(`ALTER TABLE "sync_states" ADD "backfill_records" integer`);
    await q.query(`ALTER TABLE "sync_states" ADD "backfill_saved_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of ['saved_at', 'records', 'chunks_total', 'chunks_done', 'done_through', 'start']) {
      await q.query(`ALTER TABLE "sync_states" DROP COLUMN "backfill_${column}"`);
    }
  }
}
