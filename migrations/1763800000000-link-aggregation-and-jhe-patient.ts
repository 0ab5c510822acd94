import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-link aggregation choice (one Observation per measurement, or per metric per UTC hour) and the patient's id
 * at a JupyterHealth Exchange target, which differs from the EHR's own patient id.
 */
export class LinkAggregationAndJhePatient1763800000000 implements MigrationInterface {
  name = 'LinkAggregationAndJhePatient1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "provider_links" ADD "aggregation_level" character varying(16) NOT NULL DEFAULT 'INDIVIDUAL'`,
    );
    await q.query(
      `ALTER TABLE "provider_links" ADD CONSTRAINT "ck_provider_links_aggregation" CHECK ("aggregation_level" IN ('INDIVIDUAL', 'HOURLY'))`,
    );
    await q.query(`ALTER TABLE "ehr_users" ADD "jhe_patient_id" character varying(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "ehr_users" DROP COLUMN "jhe_patient_id"`);
    await q.query(`ALTER TABLE "provider_links" DROP CONSTRAINT "ck_provider_links_aggregation"`);
    await q.query(`ALTER TABLE "provider_links" DROP COLUMN "aggregation_level"`);
  }
}
