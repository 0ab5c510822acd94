import type { ApiKeyRole } from './api-key.entity.js';

/**
 * Who is calling. A `service` principal (the EHR backend) may act for any patient of its organization; a
 * `patient` principal only for the ehr_user_id it was issued for; a `platform` principal is a service principal
 * that may also manage organizations.
 */
export interface Principal {
  readonly role: ApiKeyRole;
  /** Stable id of the credential's subject, for logs and rate limits (never the raw token). */
  readonly subject: string;
  readonly ehrUserId: string | undefined;
  /** The organization the credential belongs to: it sees that organization's patients only. */
  readonly organizationId: string;
  readonly via: 'jwt' | 'api_key' | 'none';
}

/** Service and platform principals act for every patient of their organization. */
export function isServiceRole(role: ApiKeyRole): boolean {
  return role === 'service' || role === 'platform';
}

/** Whether this principal may read or act on the given patient's data (within its own organization). */
export function canActFor(principal: Principal, ehrUserId: string): boolean {
  return isServiceRole(principal.role) || principal.ehrUserId === ehrUserId;
}
