import { describe, expect, it } from 'vitest';
import { assertValidR5, fhirSchemaErrors } from './fhir-schema.js';

describe('R5 schema validation', () => {
  it('should accept a valid Observation and reject an R4-style or malformed one', () => {
    const valid = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2026-11-22T10:00:00+01:00',
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    };
    expect(() => assertValidR5(valid)).not.toThrow();
    expect(fhirSchemaErrors({ ...valid, effectiveDateTime: 'yesterday' })).not.toEqual([]);
    expect(fhirSchemaErrors({ ...valid, unknownElement: 1 })).not.toEqual([]);
    const { code: _code, ...noCode } = valid;
    expect(fhirSchemaErrors(noCode)).not.toEqual([]);
    expect(
      fhirSchemaErrors({ resourceType: 'Device', deviceName: [{ name: 'x', type: 'model-name' }] }),
    ).not.toEqual([]);
  });
});
