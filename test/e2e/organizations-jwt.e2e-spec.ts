import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { OrganizationRepository } from '../../src/common/organizations/organization.repository.js';
import { startApp, type TestApp } from '../support/app.js';
import { createUser, newEhrUserId } from '../support/fixtures.js';
import { LocalIssuer } from '../support/jwks.js';
import { expectReadsUser, expectUnauthorized, expectUserNotFound, OIDC, statusOf } from './auth.helpers.js';

/** OIDC_ORG_CLAIM: a JWT belongs to the organization its claim names, and sees that organization's patients only. */
describe('JWT organizations', () => {
  const issuer = new LocalIssuer();
  let t: TestApp;
  const slug = `jwt-org-${randomBytes(3).toString('hex')}`;
  const inOrg = newEhrUserId('jwt-org');
  const inDefault = newEhrUserId('jwt-default');

  beforeAll(async () => {
    await issuer.start();
    t = await startApp({ ...OIDC, OIDC_ISSUER: issuer.issuer, OIDC_ORG_CLAIM: 'ohe_org' });
    const org = await t.app.get(OrganizationRepository).insert(randomUUID(), {
      slug,
      name: 'JWT org',
      targetKind: 'fhir',
      fhirBaseUrl: 'http://jwt.test/fhir',
      fhirAuthKind: 'none',
      fhirAuthEnc: null,
      fhirAuthKeyId: null,
      jheBaseUrl: null,
      jheDataSourceId: null,
    });
    await createUser(t.dataSource, inOrg, org.id);
    await createUser(t.dataSource, inDefault);
  });
  afterAll(async () => {
    await t.close();
    await issuer.stop();
  });

  it("should let a service JWT of an organization read that organization's patients only", async () => {
    const token = `Bearer ${await issuer.sign({ sub: 'ehr', scope: 'ohe:service', ohe_org: slug })}`;
    expectReadsUser(await statusOf(t, inOrg, token), inOrg);
    expectUserNotFound(await statusOf(t, inDefault, token), inDefault);
    const fallback = `Bearer ${await issuer.sign({ sub: 'ehr', scope: 'ohe:service', ohe_org: 'default' })}`;
    expectReadsUser(await statusOf(t, inDefault, fallback), inDefault);
    expectUserNotFound(await statusOf(t, inOrg, fallback), inOrg);
  });

  it('should refuse a JWT without the claim, or naming no organization, when OIDC_ORG_CLAIM is set', async () => {
    for (const claims of [{}, { ohe_org: 'no-such-org' }, { ohe_org: 42 }]) {
      const token = `Bearer ${await issuer.sign({ sub: inOrg, ...claims })}`;
      expectUnauthorized(await statusOf(t, inOrg, token));
    }
  });

  it('should put every JWT in the default organization when OIDC_ORG_CLAIM is unset', async () => {
    const app = await startApp({ ...OIDC, OIDC_ISSUER: issuer.issuer });
    try {
      const token = `Bearer ${await issuer.sign({ sub: 'ehr', scope: 'ohe:service', ohe_org: slug })}`;
      expectReadsUser(await statusOf(app, inDefault, token), inDefault);
      expectUserNotFound(await statusOf(app, inOrg, token), inOrg);
    } finally {
      await app.close();
    }
  });
});
