import { Injectable } from '@nestjs/common';
import { isFhirId } from '../../common/domain/fhir-id.js';
import { AppConfig } from '../../config/app-config.js';
import type { PatientDirectory } from '../../publishers/patient-directory.js';
import { OrganizationPublisherRegistry } from '../../publishers/organizations/organization-publishers.js';
import { PatientStateRepository } from './patient-state.repository.js';
import type { PatientSyncState, SyncLink } from './sync-link.repository.js';

export type PatientAdmission =
  | { readonly ready: true; readonly link: SyncLink }
  | { readonly ready: false; readonly state: PatientSyncState };

/** A sync that cannot publish for a patient reason; device syncs throw it, data syncs record the state. */
export class PatientNotReadyError extends Error {
  override readonly name = 'PatientNotReadyError';

  constructor(readonly state: PatientSyncState) {
    super(`patient not ready: ${state}`);
  }
}

/**
 * Decides, once per sync and before anything is fetched, which Patient the sync publishes to, so nothing lands on
 * a guessed or dead reference. A mapped id is read at the target once per sync (the FHIR server does not have to
 * check references in a transaction, and many do not): 404/410 make the patient unavailable, a `replaced-by`
 * link replaced; an identifier mapping is resolved again once first. An unmapped patient follows
 * UNMAPPED_PATIENT_POLICY; its EHR user id is used as is (as before mappings existed) only when it is a valid
 * FHIR id. Unavailable and replaced patients stay so until the EHR maps them again.
 */
@Injectable()
export class PatientGate {
  constructor(
    private readonly config: AppConfig,
    private readonly publishers: OrganizationPublisherRegistry,
    private readonly states: PatientStateRepository,
  ) {}

  async admit(link: SyncLink): Promise<PatientAdmission> {
    const { mapping } = link;
    const { target, directory } = await this.publishers.for(link.organizationId);
    if (target.target === 'jhe') {
      return link.jhePatientId === null ? waiting('awaiting_patient') : { ready: true, link };
    }
    if (mapping.status === 'patient_unavailable' || mapping.status === 'patient_replaced') {
      return waiting(mapping.status);
    }
    if (mapping.fhirPatientId === null) {
      const guess = link.patient.ehrUserId;
      return this.config.patients.unmappedPolicy === 'ehr_user_id_is_fhir_id' && isFhirId(guess)
        ? { ready: true, link: withPatient(link, guess) }
        : waiting('awaiting_patient');
    }
    return this.verify(directory, link, mapping.fhirPatientId, true);
  }

  private async verify(
    directory: PatientDirectory,
    link: SyncLink,
    id: string,
    mayResolveAgain: boolean,
  ): Promise<PatientAdmission> {
    const patient = { organizationId: link.organizationId, ehrUserId: link.patient.ehrUserId };
    const found = await directory.lookup(id);
    if (found.state === 'active') {
      return { ready: true, link: withPatient(link, id) };
    }
    const identifier = link.mapping.identifier;
    if (mayResolveAgain && identifier !== null) {
      const ids = await directory.findByIdentifier(identifier);
      const [only] = ids;
      if (ids.length === 1 && only !== undefined && only !== id) {
        await this.states.reresolved(patient, id, only);
        return this.verify(directory, withMapping(link, only), only, false);
      }
    }
    if (found.state === 'replaced') {
      await this.states.replaced(patient, id, found.by);
      return waiting('patient_replaced');
    }
    await this.states.unavailable(patient, id, found.status === 410 ? 'deleted' : 'not_found');
    return waiting('patient_unavailable');
  }
}

function waiting(state: PatientSyncState): PatientAdmission {
  return { ready: false, state };
}

function withPatient(link: SyncLink, fhirPatientId: string): SyncLink {
  return { ...link, patient: { ehrUserId: link.patient.ehrUserId, fhirPatientId } };
}

function withMapping(link: SyncLink, fhirPatientId: string): SyncLink {
  return { ...link, mapping: { ...link.mapping, fhirPatientId } };
}
