import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Patient identity: how an EHR user maps to the target's Patient. The business identifier a mapping was resolved
 * from (kept so it can be resolved again when the target answers 404/410 for the stored id), when it was resolved,
 * and the mapping's state (unmapped, mapped, or the Patient gone or replaced at the target, with the reason or the
 * replacing id). The mapping lives on ehr_users so a later organization_id on that table scopes it as well.
 * sync_states.status widens for the patient states (awaiting_patient, patient_unavailable, patient_replaced).
 * Users someone already mapped by SQL (fhir_patient_id or jhe_patient_id set) start out mapped.
 */
export class PatientMapping1764600000000 implements MigrationInterface {
  name = 'PatientMapping1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "ehr_users" ADD "patient_identifier_system" character varying(1024)`);
    await q.query(`ALTER TABLE "ehr_users" ADD "patient_identifier_value" character varying(1024)`);
    await q.query(`ALTER TABLE "ehr_users" ADD "patient_resolved_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(
      `ALTER TABLE "ehr_users" ADD "patient_status" character varying(24) NOT NULL DEFAULT 'unmapped'`,
    );
    await q.query(`ALTER TABLE "ehr_users" ADD "patient_status_reason" character varying(64)`);
    await q.query(`ALTER TABLE "ehr_users" ADD "patient_replaced_by" character varying(64)`);
    await q.query(
      `UPDATE "ehr_users" SET "patient_status" = 'mapped', "patient_resolved_at" = "updated_at"
        WHERE "fhir_patient_id" IS NOT NULL OR "jhe_patient_id" IS NOT NULL`,
    );
    await q.query(`ALTER TABLE "sync_states" ALTER COLUMN "status" TYPE character varying(32)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The patient states do not exist before this migration: such types simply have not synced yet.
    await q.query(
      `UPDATE "sync_states" SET "status" = 'pending'
        WHERE "status" IN ('awaiting_patient', 'patient_unavailable', 'patient_replaced')`,
    );
    await q.query(`ALTER TABLE "sync_states" ALTER COLUMN "status" TYPE character varying(16)`);
    for (const column of ['replaced_by', 'status_reason', 'status', 'resolved_at', 'identifier_value']) {
      await q.query(`ALTER TABLE "ehr_users" DROP COLUMN "patient_${column}"`);
    }
    await q.query(`ALTER TABLE "ehr_users" DROP COLUMN "patient_identifier_system"`);
  }
}
