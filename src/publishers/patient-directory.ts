import { Injectable } from '@nestjs/common';
import { isFhirId } from '../common/domain/fhir-id.js';
import { escapeSearchValue } from './bundle-builder.js';
import { FhirPermanentError } from './fhir-errors.js';
import { FhirClient } from './fhir.client.js';

export interface PatientIdentifier {
  readonly system: string;
  readonly value: string;
}

/** What the target says about one Patient id. */
export type PatientLookup =
  | { readonly state: 'active' }
  /** The target answered 404 (never existed, or deleted without history) or 410 (deleted). */
  | { readonly state: 'gone'; readonly status: 404 | 410 }
  /** Merged: the Patient's `link` names the one that replaces it. */
  | { readonly state: 'replaced'; readonly by: string };

/**
 * The target's Patients, as far as patient mapping needs them: is this id still a Patient, and which Patients
 * carry this business identifier. Other failures (5xx, timeouts) leave as FhirErrors for the caller's retry.
 */
@Injectable()
export class PatientDirectory {
  constructor(private readonly client: FhirClient) {}

  async lookup(id: string): Promise<PatientLookup> {
    let patient: Record<string, unknown>;
    try {
      patient = await this.client.read('Patient', id);
    } catch (err) {
      if (err instanceof FhirPermanentError && (err.status === 404 || err.status === 410)) {
        return { state: 'gone', status: err.status };
      }
      throw err;
    }
    const by = replacedBy(patient);
    return by === undefined ? { state: 'active' } : { state: 'replaced', by };
  }

  /** The ids of every Patient with this identifier (exact token match on system and value). */
  async findByIdentifier(identifier: PatientIdentifier): Promise<string[]> {
    const found = await this.client.searchAll('Patient', {
      identifier: `${escapeSearchValue(identifier.system)}|${escapeSearchValue(identifier.value)}`,
    });
    return found.flatMap((p) => (typeof p['id'] === 'string' ? [p['id']] : []));
  }
}

/** The id a `replaced-by` link points at (`Patient/<id>`); other link types (seealso, refer) change nothing. */
function replacedBy(patient: Record<string, unknown>): string | undefined {
  const links = Array.isArray(patient['link']) ? (patient['link'] as unknown[]) : [];
  for (const link of links) {
    const l = link as { type?: unknown; other?: { reference?: unknown } };
    const ref = l.other?.reference;
    if (l.type === 'replaced-by' && typeof ref === 'string' && ref.startsWith('Patient/')) {
      const id = ref.slice('Patient/'.length);
      if (isFhirId(id)) {
        return id;
      }
    }
  }
  return undefined;
}
