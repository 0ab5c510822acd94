import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Records a JupyterHealth Exchange refused, per data type: how many, why (consent_missing or jhe_rejected) and the
 * window they were fetched in, so a re-sync on request (after the patient consents) fetches exactly that window
 * again. Counts, a reason code and times only, never health data. The state's status `partially_rejected` fits the
 * existing varchar(32).
 */
export class SyncRejectedRecords1764650000000 implements MigrationInterface {
  name = 'SyncRejectedRecords1764650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sync_states" ADD "rejected_records" integer`);
    await q.query(`ALTER TABLE "sync_states" ADD "rejected_reason" character varying(32)`);
    await q.query(`ALTER TABLE "sync_states" ADD "rejected_window_start" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "sync_states" ADD "rejected_window_end" TIMESTAMP WITH TIME ZONE`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A partially_rejected state was a completed sync with records set aside.
    await q.query(`UPDATE "sync_states" SET "status" = 'completed' WHERE "status" = 'partially_rejected'`);
    for (const column of ['window_end', 'window_start', 'reason', 'records']) {
      await q.query(`ALTER TABLE "sync_states" DROP COLUMN "rejected_${column}"`);
    }
  }
}
