import type { PatientEnvironmentVariables } from './patients.env.js';

export type UnmappedPatientPolicy = PatientEnvironmentVariables['UNMAPPED_PATIENT_POLICY'];

export interface PatientConfig {
  /** What a sync of a patient without a mapping does; per organization once organizations exist. */
  readonly unmappedPolicy: UnmappedPatientPolicy;
}

export function patientConfig(vars: PatientEnvironmentVariables): PatientConfig {
  return { unmappedPolicy: vars.UNMAPPED_PATIENT_POLICY };
}
