import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../../config/app-config.js';
import { loadDotEnv } from '../../config/dotenv.js';
import { dataSourceOptions } from '../../database/data-source-options.js';
import { LinkTokenRepository } from './link-token.repository.js';
import { TokenReencryptor } from './token-reencryptor.js';
import { TokenVault } from './token-vault.js';
import { Organization } from '../../common/organizations/organization.entity.js';
import { OrganizationRepository } from '../../common/organizations/organization.repository.js';
import { reencryptOrganizationSecrets } from '../../common/organizations/organization-reencryptor.js';
import { OrganizationSecrets } from '../../common/organizations/organization-secrets.js';

/**
 * `node dist/src/ingestors/tokens/reencrypt-tokens.cli.js`: re-seals every provider token under the first
 * (newest) TOKEN_KEYS key, and every organization's sealed FHIR auth settings. Run after prepending a new key; then
 * the old key can be removed.
 */
async function main(): Promise<number> {
  loadDotEnv();
  const config = loadConfig();
  const vault = new TokenVault(config);
  if (!vault.configured) {
    console.error('Invalid configuration: TOKEN_KEYS is missing');
    return 2;
  }
  const ds = new DataSource(
    dataSourceOptions({ url: config.databaseUrl, poolSize: 1, applicationName: 'ohe-reencrypt' }),
  );
  await ds.initialize();
  try {
    const result = await new TokenReencryptor(
      new LinkTokenRepository(ds),
      vault,
      config.linking.tokenLockTimeoutMs,
    ).run();
    const organizations = await reencryptOrganizationSecrets(
      new OrganizationRepository(ds.getRepository(Organization)),
      new OrganizationSecrets(config),
    );
    console.log(JSON.stringify({ ...result, organizations, key_id: vault.currentKeyId }));
    return 0;
  } finally {
    await ds.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
