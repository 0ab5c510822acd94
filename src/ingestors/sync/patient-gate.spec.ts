import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config/app-config.js';
import type { OrganizationPublisherRegistry } from '../../publishers/organizations/organization-publishers.js';
import type { PatientLookup } from '../../publishers/patient-directory.js';
import { env } from '../../../test/support/config-env.js';
import { PatientGate } from './patient-gate.js';
import type { PatientStateRepository } from './patient-state.repository.js';
import type { SyncLink, SyncPatientMapping } from './sync-link.repository.js';

const ORG = 'org-1';
const PATIENT = { organizationId: ORG, ehrUserId: 'user-1' };
const UNMAPPED: SyncPatientMapping = { fhirPatientId: null, identifier: null, status: 'unmapped' };

function link(
  ehrUserId: string,
  mapping: Partial<SyncPatientMapping> = {},
  jhePatientId: string | null = null,
): SyncLink {
  const m = { ...UNMAPPED, ...mapping };
  return {
    id: 1,
    organizationId: ORG,
    provider: 'withings',
    status: 'active',
    externalUserId: 'ext',
    aggregation: 'INDIVIDUAL',
    patient: { ehrUserId, fhirPatientId: m.fhirPatientId ?? ehrUserId },
    jhePatientId,
    linkedAt: new Date(0),
    mapping: m,
  };
}

function gate(vars: Record<string, string>, lookups: PatientLookup[] = [], matches: string[][] = []) {
  const directory = {
    lookup: vi.fn(() => Promise.resolve(lookups.shift() ?? { state: 'active' as const })),
    findByIdentifier: vi.fn(() => Promise.resolve(matches.shift() ?? [])),
  };
  const states = { reresolved: vi.fn(), unavailable: vi.fn(), replaced: vi.fn() };
  const config = loadConfig(env({ FHIR_BASE_URL: 'http://fhir.test/fhir', ...vars }));
  return {
    directory,
    states,
    gate: new PatientGate(
      config,
      // The organization's publishers: its target settings and its directory.
      {
        for: () => Promise.resolve({ target: config.fhir, directory }),
      } as unknown as OrganizationPublisherRegistry,
      states as unknown as PatientStateRepository,
    ),
  };
}

describe(PatientGate.name, () => {
  it('should use a valid EHR user id as the Patient id under the default policy, without asking the target', async () => {
    const { gate: g, directory } = gate({});
    const admitted = await g.admit(link('user-1'));
    expect(admitted).toMatchObject({ ready: true, link: { patient: { fhirPatientId: 'user-1' } } });
    expect(directory.lookup).not.toHaveBeenCalled();
  });

  it.each([
    [{}, 'user_1@ehr'],
    [{}, 'x'.repeat(65)],
    [{ UNMAPPED_PATIENT_POLICY: 'require_mapping' }, 'user-1'],
  ])('should keep an unmapped patient waiting (%j, %s)', async (vars, ehrUserId) => {
    expect(await gate(vars).gate.admit(link(ehrUserId))).toEqual({ ready: false, state: 'awaiting_patient' });
  });

  it('should need the JupyterHealth id at a jhe target, whatever the policy', async () => {
    const vars = { FHIR_TARGET: 'jhe', JHE_DATA_SOURCE_ID: '70001' };
    expect(await gate(vars).gate.admit(link('user-1'))).toEqual({ ready: false, state: 'awaiting_patient' });
    expect(await gate(vars).gate.admit(link('user-1', {}, '40001'))).toMatchObject({ ready: true });
  });

  it('should verify a mapped id and report a deleted Patient once, without asking again later', async () => {
    const { gate: g, states, directory } = gate({}, [{ state: 'gone', status: 410 }]);
    expect(await g.admit(link('user-1', { fhirPatientId: 'p1', status: 'mapped' }))).toEqual({
      ready: false,
      state: 'patient_unavailable',
    });
    expect(states.unavailable).toHaveBeenCalledWith(PATIENT, 'p1', 'deleted');
    expect(await g.admit(link('user-1', { fhirPatientId: 'p1', status: 'patient_unavailable' }))).toEqual({
      ready: false,
      state: 'patient_unavailable',
    });
    expect(directory.lookup).toHaveBeenCalledTimes(1);
  });

  it('should resolve an identifier mapping again once when its Patient is gone', async () => {
    const identifier = { system: 'urn:mrn', value: '1' };
    const { gate: g, states } = gate({}, [{ state: 'gone', status: 404 }, { state: 'active' }], [['p2']]);
    const admitted = await g.admit(link('user-1', { fhirPatientId: 'p1', identifier, status: 'mapped' }));
    expect(admitted).toMatchObject({ ready: true, link: { patient: { fhirPatientId: 'p2' } } });
    expect(states.reresolved).toHaveBeenCalledWith(PATIENT, 'p1', 'p2');
  });

  it('should report a replaced-by link with the replacing id', async () => {
    const { gate: g, states } = gate({}, [{ state: 'replaced', by: 'p9' }]);
    expect(await g.admit(link('user-1', { fhirPatientId: 'p1', status: 'mapped' }))).toEqual({
      ready: false,
      state: 'patient_replaced',
    });
    expect(states.replaced).toHaveBeenCalledWith(PATIENT, 'p1', 'p9');
  });
});
