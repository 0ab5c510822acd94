import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser, newEhrUserId } from '../support/fixtures.js';
import { LocalIssuer } from '../support/jwks.js';
import { expectReadsUser, expectUserNotFound, normalized, OIDC, statusOf } from './auth.helpers.js';

/** Which JWTs of the one trusted issuer act as the EHR backend (any patient) and which as one patient. */
describe('JWT roles', () => {
  const issuer = new LocalIssuer();
  let t: TestApp;
  const userA = newEhrUserId('jwt-a');
  const userB = newEhrUserId('jwt-b');

  beforeAll(async () => {
    await issuer.start();
    t = await startApp({ ...OIDC, OIDC_ISSUER: issuer.issuer });
    await createLink(t.dataSource, await createUser(t.dataSource, userA), 'withings');
    await createUser(t.dataSource, userB);
  });
  afterAll(async () => {
    await t.close();
    await issuer.stop();
  });

  it('should let a JWT read the user named by its sub, and answer 404 for another user', async () => {
    const token = await issuer.sign({ sub: userA });
    expectReadsUser(await statusOf(t, userA, `Bearer ${token}`), userA);
    expectUserNotFound(await statusOf(t, userB, `Bearer ${token}`), userB);
  });

  it.each<[string, Record<string, unknown>]>([
    ['other scopes', { scope: 'openid profile ohe:service:read' }],
    ['the service value under scp', { scp: 'ohe:service' }],
    ['the service value under roles', { roles: ['ohe:service'] }],
  ])(
    'should keep a patient JWT of the same issuer with %s a patient: 404 for B as for an unknown user',
    async (_label, claims) => {
      const token = `Bearer ${await issuer.sign({ sub: userA, ...claims })}`;
      expectReadsUser(await statusOf(t, userA, token), userA);
      const ghost = newEhrUserId('ghost');
      const other = await statusOf(t, userB, token);
      const missing = await statusOf(t, ghost, token);
      expectUserNotFound(other, userB);
      expectUserNotFound(missing, ghost);
      expect(normalized(other, userB)).toEqual(normalized(missing, ghost));
    },
  );

  it('should let a JWT with the ohe:service scope read any user', async () => {
    const token = await issuer.sign({ sub: 'ehr-backend', scope: 'openid ohe:service' });
    expectReadsUser(await statusOf(t, userA, `Bearer ${token}`), userA);
    await statusOf(t, userB, `Bearer ${token}`).expect(200);
    const array = await issuer.sign({ sub: 'ehr-backend', scope: ['openid', 'ohe:service'] });
    await statusOf(t, userB, `Bearer ${array}`).expect(200);
  });

  it('should take the service role from OIDC_SERVICE_CLAIM, and from no other claim', async () => {
    const app = await startApp({
      ...OIDC,
      OIDC_ISSUER: issuer.issuer,
      OIDC_SERVICE_CLAIM: 'roles',
      OIDC_SERVICE_SCOPE: 'ohe-service',
    });
    try {
      for (const roles of [['patient', 'ohe-service'], 'ohe-service']) {
        const service = `Bearer ${await issuer.sign({ sub: 'ehr-backend', roles })}`;
        expectReadsUser(await statusOf(app, userA, service), userA);
        await statusOf(app, userB, service).expect(200);
      }
      // The configured value in the scope claim, or in roles among other words, is no service grant.
      for (const claims of [{ scope: 'openid ohe-service' }, { roles: 'patient ohe-service' }]) {
        const patient = `Bearer ${await issuer.sign({ sub: userA, ...claims })}`;
        expectReadsUser(await statusOf(app, userA, patient), userA);
        expectUserNotFound(await statusOf(app, userB, patient), userB);
      }
    } finally {
      await app.close();
    }
  });
});
