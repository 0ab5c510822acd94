import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PatientRef } from '../../common/domain/records.js';

export interface LinkPatient {
  readonly provider: string;
  readonly status: string;
  readonly patient: PatientRef;
}

/** Who a link belongs to, as the publishing side needs it: provider and the patient's ids. */
@Injectable()
export class LinkPatientRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(linkId: number): Promise<LinkPatient | undefined> {
    const rows: Array<{
      provider: string;
      status: string;
      ehr_user_id: string;
      fhir_patient_id: string | null;
    }> = await this.dataSource.query(
      `SELECT p.provider_type AS provider, l.status, u.ehr_user_id, u.fhir_patient_id
           FROM provider_links l JOIN providers p ON p.id = l.provider_id JOIN ehr_users u ON u.id = l.user_id
          WHERE l.id = $1`,
      [linkId],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : {
          provider: row.provider,
          status: row.status,
          // The Patient's id at the FHIR server is the EHR's user id unless the EHR told us otherwise.
          patient: { ehrUserId: row.ehr_user_id, fhirPatientId: row.fhir_patient_id ?? row.ehr_user_id },
        };
  }
}
