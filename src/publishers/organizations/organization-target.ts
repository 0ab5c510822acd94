import type { FhirConfig } from '../../config/app-config.js';
import { toFhirAuthConfig, type FhirAuthSettings } from '../../common/organizations/fhir-auth-settings.js';
import type { Organization } from '../../common/organizations/organization.entity.js';

/**
 * An organization's publishing target in the shape the publishers take (FhirConfig). What is not the target's own
 * (identifier base, batch size, write mode, timeout) stays the deployment's: identifier systems in particular must
 * not differ between organizations, or one patient's data would duplicate when it moved.
 */
export function organizationTarget(
  deployment: FhirConfig,
  org: Organization,
  auth: FhirAuthSettings | undefined,
): FhirConfig {
  const jhe = org.targetKind === 'jhe';
  // A JupyterHealth Exchange is reached through its FHIR API ({jhe}/FHIR/R5), as with FHIR_TARGET=jhe.
  const base = jhe ? jheFhirBase(org.jheBaseUrl) : org.fhirBaseUrl;
  return {
    ...deployment,
    baseUrl: base?.replace(/\/+$/, '') ?? undefined,
    target: org.targetKind,
    jheDataSourceId: org.jheDataSourceId ?? undefined,
    auth: auth === undefined ? { mode: 'none' } : toFhirAuthConfig(org.fhirAuthKind, auth),
  };
}

function jheFhirBase(url: string | null): string | null {
  if (url === null) {
    return null;
  }
  const trimmed = url.replace(/\/+$/, '');
  return /\/FHIR\/R5$/i.test(trimmed) ? trimmed : `${trimmed}/FHIR/R5`;
}
