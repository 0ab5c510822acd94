import type { ApiKeyRole } from './api-key.entity.js';

/**
 * Who is calling. A `service` principal (the EHR backend) may act for any patient; a `patient` principal only
 * for the ehr_user_id it was issued for.
 */
export interface Principal {
  readonly role: ApiKeyRole;
  /** Stable id of the credential's subject, for logs and rate limits (never the raw token). */
  readonly subject: string;
  readonly ehrUserId: string | undefined;
  readonly via: 'jwt' | 'api_key' | 'none';
}

/** Whether this principal may read or act on the given patient's data. */
export function canActFor(principal: Principal, ehrUserId: string): boolean {
  return principal.role === 'service' || principal.ehrUserId === ehrUserId;
}
