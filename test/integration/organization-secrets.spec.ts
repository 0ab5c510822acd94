import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Organization } from '../../src/common/organizations/organization.entity.js';
import { OrganizationRepository } from '../../src/common/organizations/organization.repository.js';
import { reencryptOrganizationSecrets } from '../../src/common/organizations/organization-reencryptor.js';
import { OrganizationSecrets } from '../../src/common/organizations/organization-secrets.js';
import { loadConfig } from '../../src/config/app-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { env } from '../support/config-env.js';

const key = (): string => randomBytes(32).toString('base64');
const secretsWith = (ring: string): OrganizationSecrets =>
  new OrganizationSecrets(loadConfig(env({ TOKEN_KEYS: ring })));

describe('organization secrets at rest', () => {
  let ds: DataSource;
  let repo: OrganizationRepository;
  const [oldKey, newKey] = [`old:${key()}`, `new:${key()}`];
  const settings = { value: 'Bearer s3cret' };

  beforeAll(async () => {
    ds = new DataSource(dataSourceOptions({ url: inject('databaseUrl'), poolSize: 1 }));
    await ds.initialize();
    repo = new OrganizationRepository(ds.getRepository(Organization));
  });
  afterAll(async () => {
    await ds.destroy();
  });

  async function sealedOrganization(secrets: OrganizationSecrets): Promise<Organization> {
    const id = randomUUID();
    const sealed = secrets.seal(id, settings);
    return repo.insert(id, {
      slug: `sealed-${randomBytes(3).toString('hex')}`,
      name: 'Sealed',
      targetKind: 'fhir',
      fhirBaseUrl: 'http://sealed.test/fhir',
      fhirAuthKind: 'static_header',
      fhirAuthEnc: sealed.value,
      fhirAuthKeyId: sealed.keyId,
      jheBaseUrl: null,
      jheDataSourceId: null,
    });
  }

  it("should not open one organization's settings as another's", async () => {
    const secrets = secretsWith(oldKey);
    const org = await sealedOrganization(secrets);
    expect(secrets.open(org.id, org.fhirAuthEnc ?? '')).toEqual(settings);
    expect(() => secrets.open(randomUUID(), org.fhirAuthEnc ?? '')).toThrow(/did not authenticate/);
  });

  it('should move sealed settings to the newest key, leaving updated_at alone, and report what no key opens', async () => {
    const org = await sealedOrganization(secretsWith(oldKey));
    const lost = await sealedOrganization(secretsWith(`gone:${key()}`));
    const rotated = secretsWith(`${newKey},${oldKey}`);
    const result = await reencryptOrganizationSecrets(repo, rotated);
    expect(result.failed).toContain(lost.id);
    expect(result.failed).not.toContain(org.id);
    const after = await repo.findById(org.id);
    expect(after?.fhirAuthKeyId).toBe('new');
    expect(after?.updatedAt).toEqual(org.updatedAt);
    expect(secretsWith(newKey).open(org.id, after?.fhirAuthEnc ?? '')).toEqual(settings);
    await repo.delete(lost.id);
  });
});
