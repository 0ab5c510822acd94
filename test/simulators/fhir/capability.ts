import { getResourceTypes, getSearchParameters } from '@medplum/core';
import type { FhirJson, Json } from './outcomes.js';
import type { FhirContext } from './resource-ops.js';

// The types the publisher writes get their search parameters listed; listing all 1244 would drown the document.
const DETAILED_TYPES = new Set(['Device', 'DeviceAssociation', 'DiagnosticReport', 'Observation', 'Patient']);
const INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'create',
  'search-type',
];

function resourceEntry(type: string): Json {
  const entry: Json = {
    type,
    interaction: INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalPatch: true,
    conditionalDelete: 'single',
  };
  if (DETAILED_TYPES.has(type)) {
    entry['searchParam'] = Object.values(getSearchParameters(type) ?? {})
      // _compartment is Medplum's own, not a FHIR parameter; Medplum's defaults (_id…) have no url.
      .filter((p) => p.code !== '_compartment')
      .map((p) => ({ name: p.code, type: p.type, ...(p.url ? { definition: p.url } : {}) }));
  }
  return entry;
}

/** A small, valid R5 CapabilityStatement describing what this test server really does. */
export function capabilityStatement(ctx: FhirContext): FhirJson {
  const smart = ctx.smartConfiguration() !== undefined;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-22',
    kind: 'instance',
    software: { name: 'Open Health Exchange FHIR R5 test server (Medplum fhir-router 4.5.2)' },
    implementation: {
      description: 'In-memory FHIR R5 server for tests and the local sandbox',
      url: ctx.baseUrl,
    },
    fhirVersion: '5.0.0',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        ...(smart
          ? {
              security: {
                service: [
                  {
                    coding: [
                      { system: 'http://hl7.org/fhir/restful-security-service', code: 'SMART-on-FHIR' },
                    ],
                  },
                ],
              },
            }
          : {}),
        resource: getResourceTypes()
          .sort()
          .map((type) => resourceEntry(type)),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}
