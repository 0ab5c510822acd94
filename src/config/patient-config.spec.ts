import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config.js';
import { env, failure } from '../../test/support/config-env.js';

describe('patient settings', () => {
  it("should keep today's behaviour by default: the EHR user id is the FHIR Patient id", () => {
    expect(loadConfig(env()).patients).toEqual({ unmappedPolicy: 'ehr_user_id_is_fhir_id' });
  });

  it('should read require_mapping', () => {
    const { patients } = loadConfig(env({ UNMAPPED_PATIENT_POLICY: 'require_mapping' }));
    expect(patients.unmappedPolicy).toBe('require_mapping');
  });

  it('should refuse an unknown policy at boot', () => {
    expect(failure(env({ UNMAPPED_PATIENT_POLICY: 'guess' }))).toContain('UNMAPPED_PATIENT_POLICY');
  });
});
