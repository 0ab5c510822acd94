import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { createLink, createUser, newEhrUserId } from '../support/fixtures.js';
import { startLinkingHarness, type LinkingHarness } from './linking.harness.js';
import { EXISTING_PATIENT_ROUTES, type PatientRoute } from './patient-routes.js';

const ROUTES: readonly PatientRoute[] = [
  ...EXISTING_PATIENT_ROUTES,
  { name: 'link start', method: 'GET', path: (u) => `/api/base/link/withings/?ehr_user_id=${u}` },
  {
    name: 'link confirmation',
    method: 'POST',
    path: () => '/api/base/link/withings/confirm/',
    body: (u) => ({ ehr_user_id: u, confirmation_code: 'c'.repeat(43) }),
  },
];

/** Every patient-scoped route: a patient credential for A naming B learns nothing and changes nothing. */
describe('patient scope of every user route', () => {
  let h: LinkingHarness;
  const [a, b] = [newEhrUserId('scope-a'), newEhrUserId('scope-b')];
  let aAuth: Record<string, string>;

  const call = async (route: PatientRoute, ehrUserId: string): Promise<{ status: number; body: unknown }> => {
    const body = route.body?.(ehrUserId);
    const res = await fetch(`${h.base}${route.path(ehrUserId)}`, {
      method: route.method,
      redirect: 'manual',
      headers: { ...aAuth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    // Only the per-request fields may differ between two answers.
    return { status: res.status, body: { ...json, timestamp: undefined, request_id: undefined } };
  };

  beforeAll(async () => {
    h = await startLinkingHarness();
    await createUser(h.t.dataSource, a);
    await createLink(h.t.dataSource, await createUser(h.t.dataSource, b), 'withings');
    const { key } = await h.t.app.get(ApiKeyService).create({ name: 'a-app', role: 'patient', ehrUserId: a });
    aAuth = { Authorization: `Bearer ${key}` };
  });
  afterAll(async () => {
    await h.stop();
  });

  it.each(ROUTES)(
    '$name: should answer the same 404 for another patient as for an unknown one',
    async (route) => {
      const unknown = newEhrUserId('nobody');
      const other = await call(route, b);
      const missing = await call(route, unknown);
      expect(other).toEqual({
        status: 404,
        body: expect.objectContaining({ error: 'not_found', message: `User ${b} not found`, details: {} }),
      });
      expect(JSON.stringify(missing).replaceAll(unknown, b)).toBe(JSON.stringify(other));
    },
  );

  it("should leave the other patient's link as it was", async () => {
    const [row] = await h.t.dataSource.query<{ status: string }[]>(
      `SELECT l.status FROM provider_links l JOIN ehr_users u ON u.id = l.user_id WHERE u.ehr_user_id = $1`,
      [b],
    );
    expect(row?.status).toBe('active');
  });
});
