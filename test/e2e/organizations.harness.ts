import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import type { ApiKeyRole } from '../../src/common/auth/api-key.entity.js';
import type { TestApp } from '../support/app.js';

/** A running service to call: its base URL and the default organization's service credential. */
export interface OrgService {
  readonly t: TestApp;
  readonly base: string;
}

export type Auth = Record<string, string>;

/** An API key of the organization (by id) with this role, as a header. */
export async function keyFor(
  s: OrgService,
  role: ApiKeyRole,
  organizationId?: string,
  ehrUserId?: string,
): Promise<Auth> {
  const { key } = await s.t.app.get(ApiKeyService).create({
    name: `${role}-key`,
    role,
    ...(organizationId === undefined ? {} : { organizationId }),
    ...(ehrUserId === undefined ? {} : { ehrUserId }),
  });
  return { Authorization: `Bearer ${key}` };
}

/** A JSON call of the API; an empty answer reads as {}. */
export async function call(
  s: OrgService,
  auth: Auth,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.base}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}

/** Creates an organization through the API with a platform credential; returns its id. */
export async function createOrganization(
  s: OrgService,
  platform: Auth,
  body: Record<string, unknown>,
): Promise<string> {
  const res = await call(s, platform, 'POST', '/api/base/organizations/', body);
  if (res.status !== 201 || typeof res.body['id'] !== 'string') {
    throw new Error(`creating an organization answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body['id'];
}
