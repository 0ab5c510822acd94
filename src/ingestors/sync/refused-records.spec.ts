import { describe, expect, it } from 'vitest';
import { countRefused, dataTypeOfSystem, refusalsOf, type RefusalTally } from './refused-records.js';

const system = (type: string): string => `https://ohe.test/fhir/identifier/withings/${type}`;

describe(countRefused.name, () => {
  it('should count per data type and reason, a FHIR refusal as fhir_rejected', () => {
    const tally: RefusalTally = {};
    countRefused(
      [
        { resourceType: 'Observation', identifierSystem: system('weight-omh'), reason: 'consent_missing' },
        { resourceType: 'Observation', identifierSystem: system('weight-omh'), reason: 'consent_missing' },
        { resourceType: 'Observation', identifierSystem: system('heart_rate-omh'), reason: 'jhe_rejected' },
        { resourceType: 'Observation', identifierSystem: system('steps') },
      ],
      tally,
    );
    expect(tally).toEqual({
      weight: { consent_missing: 2 },
      heart_rate: { jhe_rejected: 1 },
      steps: { fhir_rejected: 1 },
    });
    expect(dataTypeOfSystem(system('resting_heart_rate-omh'))).toBe('resting_heart_rate');
  });
});

describe(refusalsOf.name, () => {
  it.each([
    [undefined, 0, 0, null],
    [{ fhir_rejected: 3 }, 3, 0, null],
    [{ consent_missing: 2 }, 0, 2, 'consent_missing'],
    [{ jhe_rejected: 1 }, 0, 1, 'jhe_rejected'],
    // Consent is what a re-sync waits for, so it names a mixed refusal.
    [{ jhe_rejected: 1, consent_missing: 2 }, 0, 3, 'consent_missing'],
    [{ fhir_rejected: 1, jhe_rejected: 2 }, 1, 2, 'jhe_rejected'],
  ])('should read %j as %i FHIR and %i JHE refusals (%s)', (counts, fhir, records, reason) => {
    expect(refusalsOf(counts)).toMatchObject({ fhirRejected: fhir, jhe: { records, reason } });
    expect(refusalsOf(counts).jheByReason.reduce((sum, [, n]) => sum + n, 0)).toBe(records);
  });
});
