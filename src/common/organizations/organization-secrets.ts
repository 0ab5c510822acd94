import { Injectable } from '@nestjs/common';
import { KeyRingSealer } from '../crypto/key-ring-sealer.js';
import type { FhirAuthSettings } from './fhir-auth-settings.js';

/**
 * Seals and opens an organization's FHIR auth settings with the TOKEN_KEYS ring, as provider tokens are sealed.
 * The AAD names the row, so settings copied onto another organization fail to open.
 */
@Injectable()
export class OrganizationSecrets extends KeyRingSealer {
  seal(organizationId: string, settings: FhirAuthSettings): { keyId: string; value: string } {
    return this.need('organization credentials').encrypt(JSON.stringify(settings), aad(organizationId));
  }

  open(organizationId: string, value: string): FhirAuthSettings {
    return JSON.parse(
      this.need('organization credentials').decrypt(value, aad(organizationId)),
    ) as FhirAuthSettings;
  }
}

const aad = (organizationId: string): string => `organizations:${organizationId}:fhir_auth`;
