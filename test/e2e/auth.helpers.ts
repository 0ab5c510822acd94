import type supertest from 'supertest';
import { expect } from 'vitest';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import type { TestApp } from '../support/app.js';

/** OIDC settings every app verifying the LocalIssuer's tokens needs besides OIDC_ISSUER. */
export const OIDC = { OIDC_AUDIENCE: 'ohe-api', OIDC_SERVICE_SCOPE: 'ohe:service' };

const ERROR_KEYS = ['details', 'error', 'message', 'request_id', 'timestamp'];

/** GET sync status for a user, with the given Authorization header if any. */
export function statusOf(t: TestApp, ehrUserId: string, authorization?: string): supertest.Test {
  const req = t.http().get(`/api/base/sync/status/?ehr_user_id=${ehrUserId}`);
  return authorization === undefined ? req : req.set('Authorization', authorization);
}

export function expectUnauthorized(res: supertest.Response): void {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(Object.keys(res.body as object).sort()).toEqual(ERROR_KEYS);
  expect(res.body).toMatchObject({ error: 'authentication_required', details: {} });
  expect(typeof res.body.timestamp).toBe('string');
  expect(res.body.request_id).toBe(res.headers['x-request-id']);
}

export function expectReadsUser(res: supertest.Response, ehrUserId: string): void {
  expect(res.status).toBe(200);
  expect(res.body.ehr_user_id).toBe(ehrUserId);
  expect(Object.keys(res.body.providers as object)).toEqual(['withings', 'fitbit']);
  expect(res.body.providers.withings).toEqual({
    status: 'no_recent_sync',
    last_sync: null,
    records_synced: null,
    errors: [],
  });
}

export function expectUserNotFound(res: supertest.Response, ehrUserId: string): void {
  expect(res.status).toBe(404);
  expect(res.body).toEqual({
    error: 'not_found',
    message: `User ${ehrUserId} not found`,
    details: {},
    timestamp: expect.any(String),
    request_id: expect.any(String),
  });
}

/** The 404 body without what differs between users (the id, timestamp and request id). */
export function normalized(res: supertest.Response, id: string): object {
  return {
    ...(res.body as object),
    message: (res.body.message as string).replace(id, '<id>'),
    timestamp: null,
    request_id: null,
  };
}

/** An error answer in the API's shape: {error, message, details, timestamp, request_id} with this status. */
export function expectErrorBody(
  res: { status: number; body: unknown },
  status: number,
  error?: string,
): void {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body as object).sort()).toEqual(ERROR_KEYS);
  if (error !== undefined) {
    expect(res.body).toMatchObject({ error });
  }
}

/** The Authorization header of a new patient API key for this user. */
export async function patientAuth(t: TestApp, ehrUserId: string): Promise<{ Authorization: string }> {
  const { key } = await t.app
    .get(ApiKeyService)
    .create({ name: `patient-${ehrUserId}`, role: 'patient', ehrUserId });
  return { Authorization: `Bearer ${key}` };
}
