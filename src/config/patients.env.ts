import { IsIn } from 'class-validator';
import { LinkingEnvironmentVariables } from './linking.env.js';

export const UNMAPPED_PATIENT_POLICIES = ['require_mapping', 'ehr_user_id_is_fhir_id'] as const;

/** Patient identity settings; validated at boot with the rest (one organization's policy until tenants exist). */
export class PatientEnvironmentVariables extends LinkingEnvironmentVariables {
  /**
   * What a sync does for a patient without a mapping (PUT /api/base/patients/{ehr_user_id}/).
   * `require_mapping`: it waits in awaiting_patient until the mapping arrives. `ehr_user_id_is_fhir_id`: the EHR
   * user id is taken as the FHIR Patient id (the behaviour before mappings existed), when it is a valid FHIR id;
   * otherwise the sync waits as well.
   */
  @IsIn(UNMAPPED_PATIENT_POLICIES, {
    message: `UNMAPPED_PATIENT_POLICY must be one of ${UNMAPPED_PATIENT_POLICIES.join(', ')}`,
  })
  UNMAPPED_PATIENT_POLICY: (typeof UNMAPPED_PATIENT_POLICIES)[number] = 'ehr_user_id_is_fhir_id';
}
