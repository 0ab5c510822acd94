import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORGANIZATION_ID } from '../../src/common/organizations/organization.entity.js';
import { createLink, createUser, newEhrUserId } from '../support/fixtures.js';
import { startLinkingHarness, type LinkingHarness } from './linking.harness.js';
import { EXISTING_PATIENT_ROUTES, SERVICE_PATIENT_ROUTES, type PatientRoute } from './patient-routes.js';
import { call, createOrganization, keyFor, type Auth, type OrgService } from './organizations.harness.js';

const SECRET = `s3cret-${randomBytes(8).toString('hex')}`;
const slug = (label: string): string => `${label}-${randomBytes(3).toString('hex')}`;

describe('organizations API', () => {
  let h: LinkingHarness;
  let s: OrgService;
  let platform: Auth;

  beforeAll(async () => {
    h = await startLinkingHarness();
    s = { t: h.t, base: h.base };
    platform = await keyFor(s, 'platform');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should answer 403 to service and patient credentials on every organizations route', async () => {
    const patient = await keyFor(s, 'patient', undefined, newEhrUserId('p'));
    for (const auth of [h.auth, patient]) {
      for (const [method, path] of [
        ['POST', '/api/base/organizations/'],
        ['GET', '/api/base/organizations/'],
        ['GET', '/api/base/organizations/default/'],
        ['PATCH', '/api/base/organizations/default/'],
        ['DELETE', '/api/base/organizations/default/'],
      ] as const) {
        const res = await call(
          s,
          auth,
          method,
          path,
          method === 'GET' || method === 'DELETE' ? undefined : {},
        );
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body).toMatchObject({ error: 'forbidden', details: {} });
      }
    }
  });

  it('should create, read, change and delete an organization, never showing its secret', async () => {
    const name = slug('hosp');
    const created = await call(s, platform, 'POST', '/api/base/organizations/', {
      slug: name,
      name: 'Hospital',
      target: 'fhir',
      fhir_base_url: 'https://fhir.hospital.example/fhir',
      fhir_auth: { kind: 'client_credentials', client_id: 'ohe', client_secret: SECRET },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      slug: name,
      target: 'fhir',
      fhir_auth_kind: 'client_credentials',
      target_source: 'organization',
    });
    const [row] = await h.t.dataSource.query<{ fhir_auth_enc: string; fhir_auth_key_id: string }[]>(
      `SELECT fhir_auth_enc, fhir_auth_key_id FROM organizations WHERE slug = $1`,
      [name],
    );
    expect(row?.fhir_auth_enc).toMatch(/^v1\.k1\./);
    expect(row?.fhir_auth_enc).not.toContain(SECRET);

    const changed = await call(s, platform, 'PATCH', `/api/base/organizations/${name}/`, {
      name: 'Hospital A',
      fhir_auth: { kind: 'static_header', value: SECRET },
    });
    expect(changed).toMatchObject({
      status: 200,
      body: { name: 'Hospital A', fhir_auth_kind: 'static_header' },
    });
    const list = await call(s, platform, 'GET', '/api/base/organizations/');
    const one = await call(s, platform, 'GET', `/api/base/organizations/${name}/`);
    for (const answer of [created, changed, list, one]) {
      expect(JSON.stringify(answer.body)).not.toContain(SECRET);
    }
    const audit = await h.t.dataSource.query<{ details: unknown }[]>(
      `SELECT details FROM audit_events WHERE action LIKE 'organization.%' AND details->>'slug' = $1`,
      [name],
    );
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain(SECRET);

    expect((await call(s, platform, 'DELETE', `/api/base/organizations/${name}/`)).status).toBe(204);
    expect((await call(s, platform, 'GET', `/api/base/organizations/${name}/`)).status).toBe(404);
  });

  it('should report the default organization with the environment as its target, and keep that target', async () => {
    const res = await call(s, platform, 'GET', '/api/base/organizations/default/');
    expect(res.body).toMatchObject({ slug: 'default', target_source: 'environment', fhir_auth_kind: 'none' });
    const patch = await call(s, platform, 'PATCH', '/api/base/organizations/default/', {
      fhir_base_url: 'https://elsewhere.example/fhir',
    });
    expect(patch).toMatchObject({ status: 409, body: { error: 'default_organization_target' } });
    expect((await call(s, platform, 'DELETE', '/api/base/organizations/default/')).body).toMatchObject({
      error: 'default_organization',
    });
  });

  it('should issue API keys of an organization from the CLI (--organization, default `default`)', async () => {
    const name = slug('cli');
    const id = await createOrganization(s, platform, {
      slug: name,
      name: 'CLI',
      fhir_base_url: 'http://cli.test/fhir',
    });
    const cli = (...args: string[]): Promise<{ stdout: string }> =>
      promisify(execFile)(
        'node',
        ['dist/src/common/auth/api-key.cli.js', 'create', '--name', 'cli', ...args],
        {
          env: { PATH: process.env['PATH'], DATABASE_URL: h.t.config.databaseUrl, LOG_LEVEL: 'silent' },
        },
      );
    const issued = JSON.parse((await cli('--role', 'service', '--organization', name)).stdout) as {
      id: string;
    };
    const plain = JSON.parse((await cli('--role', 'service')).stdout) as { id: string; organization: string };
    const rows = await h.t.dataSource.query<{ id: string; organization_id: string }[]>(
      `SELECT id, organization_id FROM api_keys WHERE id = ANY($1) ORDER BY id = $2 DESC`,
      [[issued.id, plain.id], issued.id],
    );
    expect(rows).toEqual([
      { id: issued.id, organization_id: id },
      { id: plain.id, organization_id: DEFAULT_ORGANIZATION_ID },
    ]);
    expect(plain.organization).toBe('default');
    await expect(cli('--role', 'service', '--organization', 'no-such-org')).rejects.toMatchObject({
      code: 2,
    });
  });

  it('should refuse incomplete targets, duplicate slugs and deleting an organization that owns patients', async () => {
    const bad = await call(s, platform, 'POST', '/api/base/organizations/', {
      slug: slug('bad'),
      name: 'Bad',
      target: 'jhe',
      fhir_auth: { kind: 'smart_backend', client_id: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body['details'] as object).sort()).toEqual([
      'fhir_auth.key_id',
      'fhir_auth.private_key',
      'jhe_base_url',
      'jhe_data_source_id',
    ]);
    const name = slug('owner');
    const id = await createOrganization(s, platform, {
      slug: name,
      name: 'Owner',
      fhir_base_url: 'http://x.test/fhir',
    });
    const again = await call(s, platform, 'POST', '/api/base/organizations/', {
      slug: name,
      name: 'Again',
      fhir_base_url: 'http://x.test/fhir',
    });
    expect(again).toMatchObject({ status: 409, body: { error: 'organization_exists' } });
    await createUser(h.t.dataSource, newEhrUserId('owned'), id);
    const res = await call(s, platform, 'DELETE', `/api/base/organizations/${name}/`);
    expect(res).toMatchObject({ status: 409, body: { error: 'organization_in_use' } });
  });
});

const PATIENT_ROUTES: readonly PatientRoute[] = [
  ...EXISTING_PATIENT_ROUTES,
  ...SERVICE_PATIENT_ROUTES,
  { name: 'patient mapping (GET)', method: 'GET', path: (u) => `/api/base/patients/${u}/` },
  { name: 'patient mapping (DELETE)', method: 'DELETE', path: (u) => `/api/base/patients/${u}/` },
];

/** Service credentials of one organization see none of another's patients: the 404 of an unknown patient. */
describe('organization scope of every patient route', () => {
  let h: LinkingHarness;
  let s: OrgService;
  let otherAuth: Auth;
  const b = newEhrUserId('org-b');

  const scrub = (r: { status: number; body: Record<string, unknown> }): unknown => ({
    status: r.status,
    body: { ...r.body, timestamp: undefined, request_id: undefined },
  });

  beforeAll(async () => {
    h = await startLinkingHarness();
    s = { t: h.t, base: h.base };
    const platform = await keyFor(s, 'platform');
    const orgB = await createOrganization(s, platform, {
      slug: slug('org-b'),
      name: 'B',
      fhir_base_url: 'http://b.test/fhir',
    });
    await createLink(h.t.dataSource, await createUser(h.t.dataSource, b, orgB), 'withings');
    const orgC = await createOrganization(s, platform, {
      slug: slug('org-c'),
      name: 'C',
      fhir_base_url: 'http://c.test/fhir',
    });
    otherAuth = await keyFor(s, 'service', orgC);
  });
  afterAll(async () => {
    await h.stop();
  });

  it.each(PATIENT_ROUTES)('$name: should answer the 404 of an unknown patient', async (route) => {
    for (const auth of [h.auth, otherAuth]) {
      const ask = async (u: string): Promise<{ status: number; body: Record<string, unknown> }> =>
        call(s, auth, route.method, route.path(u), route.body?.(u));
      const unknown = newEhrUserId('nobody');
      const other = await ask(b);
      expect(other).toMatchObject({ status: 404, body: { error: 'not_found', details: {} } });
      expect(JSON.stringify(scrub(await ask(unknown))).replaceAll(unknown, b)).toBe(
        JSON.stringify(scrub(other)),
      );
    }
  });

  it("should answer 404 for another organization's sync request, as for an unknown one", async () => {
    const [request] = await h.t.dataSource.query<{ id: string }[]>(
      `INSERT INTO sync_requests (link_id, ehr_user_id, provider, data_types, window_start, window_end)
       SELECT l.id, u.ehr_user_id, 'withings', 'weight', now() - interval '1 day', now()
         FROM provider_links l JOIN ehr_users u ON u.id = l.user_id WHERE u.ehr_user_id = $1
       RETURNING id`,
      [b],
    );
    for (const auth of [h.auth, otherAuth]) {
      const res = await call(s, auth, 'GET', `/api/base/sync/requests/${request!.id}/`);
      expect(res).toMatchObject({ status: 404, body: { error: 'not_found' } });
    }
  });

  it("should leave the other organization's patient and link as they were", async () => {
    const rows = await h.t.dataSource.query<{ status: string }[]>(
      `SELECT l.status FROM provider_links l JOIN ehr_users u ON u.id = l.user_id WHERE u.ehr_user_id = $1`,
      [b],
    );
    expect(rows).toEqual([{ status: 'active' }]);
  });

  it('should keep the same EHR id in two organizations as two patients', async () => {
    // The same EHR id may be registered in two organizations: they are two patients.
    const put = await call(s, h.auth, 'PUT', `/api/base/patients/${b}/`, { fhir_patient_id: 'pat-a' });
    expect(put.status).toBe(200);
    const users = await h.t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ehr_users WHERE ehr_user_id = $1`,
      [b],
    );
    expect(users).toEqual([{ n: 2 }]);
  });
});
