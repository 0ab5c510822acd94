import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * What a sync learns about a patient's mapped Patient, written back to ehr_users. Every write names the id it
 * checked, so a mapping the EHR changed meanwhile (PUT /api/base/patients/…) is never overwritten by a stale verdict.
 */
/** One patient: an EHR user id names a patient only within its organization. */
export interface PatientKey {
  readonly organizationId: string;
  readonly ehrUserId: string;
}

@Injectable()
export class PatientStateRepository {
  constructor(private readonly ds: DataSource) {}

  /** The stored identifier now resolves to `to`: the mapping follows it. */
  async reresolved(patient: PatientKey, from: string, to: string): Promise<void> {
    await this.ds.query(
      `UPDATE ehr_users SET fhir_patient_id = $3, patient_resolved_at = now(), updated_at = now()
        WHERE organization_id = $4 AND ehr_user_id = $1 AND fhir_patient_id = $2`,
      [patient.ehrUserId, from, to, patient.organizationId],
    );
  }

  /** The target answered 404/410 for the mapped id (`reason`: not_found or deleted). */
  async unavailable(patient: PatientKey, id: string, reason: string): Promise<void> {
    await this.ds.query(
      `UPDATE ehr_users SET patient_status = 'patient_unavailable', patient_status_reason = $3, updated_at = now()
        WHERE organization_id = $4 AND ehr_user_id = $1 AND fhir_patient_id = $2`,
      [patient.ehrUserId, id, reason, patient.organizationId],
    );
  }

  /** The mapped Patient was merged into `by` (a `replaced-by` link). */
  async replaced(patient: PatientKey, id: string, by: string): Promise<void> {
    await this.ds.query(
      `UPDATE ehr_users SET patient_status = 'patient_replaced', patient_status_reason = 'replaced',
              patient_replaced_by = $3, updated_at = now()
        WHERE organization_id = $4 AND ehr_user_id = $1 AND fhir_patient_id = $2`,
      [patient.ehrUserId, id, by, patient.organizationId],
    );
  }
}
