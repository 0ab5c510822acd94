import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError, ServiceUnavailableError } from '../../common/errors/api-error.js';
import { FhirConfigurationError, FhirRetryableError } from '../../publishers/fhir-errors.js';
import { OrganizationPublisherRegistry } from '../../publishers/organizations/organization-publishers.js';
import type { PatientIdentifier } from '../../publishers/patient-directory.js';

const RETRY_AFTER_S = 30;

/**
 * A business identifier to the one Patient carrying it at the FHIR target, for PUT /api/base/patients/…: no match
 * and several matches are the caller's to fix (patient_not_found, patient_ambiguous), a target that cannot be
 * asked answers like any unavailable dependency.
 */
@Injectable()
export class PatientResolver {
  constructor(private readonly publishers: OrganizationPublisherRegistry) {}

  /** Resolved at the organization's own target. */
  async resolve(organizationId: string, identifier: PatientIdentifier): Promise<string> {
    const ids = await this.search(organizationId, identifier);
    const [only] = ids;
    if (ids.length === 1 && only !== undefined) {
      return only;
    }
    if (ids.length === 0) {
      throw new ApiError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'patient_not_found',
        'No Patient at the FHIR target carries this identifier',
        { identifier: [`${identifier.system}|…`] },
      );
    }
    throw new ApiError(
      HttpStatus.CONFLICT,
      'patient_ambiguous',
      `${ids.length} Patients at the FHIR target carry this identifier; exactly one is required`,
      { matches: ids.length },
    );
  }

  private async search(organizationId: string, identifier: PatientIdentifier): Promise<string[]> {
    try {
      const { directory } = await this.publishers.for(organizationId);
      return await directory.findByIdentifier(identifier);
    } catch (err) {
      if (err instanceof FhirConfigurationError) {
        throw new ApiError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'fhir_not_configured',
          'This deployment has no FHIR target to resolve identifiers at',
        );
      }
      if (err instanceof FhirRetryableError) {
        throw new ServiceUnavailableError('The FHIR target did not answer the Patient search', RETRY_AFTER_S);
      }
      throw new ApiError(
        HttpStatus.BAD_GATEWAY,
        'fhir_rejected',
        'The FHIR target refused the Patient search',
      );
    }
  }
}
