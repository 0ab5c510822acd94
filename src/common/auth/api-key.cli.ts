import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { runCli } from '../cli/run-cli.js';
import { loadDotEnv } from '../../config/dotenv.js';
import { dataSourceOptions } from '../../database/data-source-options.js';
import { API_KEY_ROLES, ApiKey, type ApiKeyRole } from './api-key.entity.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { DEFAULT_ORGANIZATION_SLUG, Organization } from '../organizations/organization.entity.js';
import { ApiKeyService } from './api-key.service.js';

const USAGE = `Usage:
  npm run apikey -- create --name <name> --role service|patient|platform [--organization <slug>]
                        [--ehr-user-id <id>] [--expires-days <n>]
  npm run apikey -- revoke --id <uuid>`;

function isRole(value: string | undefined): value is ApiKeyRole {
  return value !== undefined && (API_KEY_ROLES as readonly string[]).includes(value);
}

/** Issues and revokes API keys. The plaintext key is printed once and never stored. */
async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      'ehr-user-id': { type: 'string' },
      organization: { type: 'string', default: DEFAULT_ORGANIZATION_SLUG },
      'expires-days': { type: 'string' },
      id: { type: 'string' },
    },
  });
  loadDotEnv();
  const url = process.env['DATABASE_URL'];
  if (url === undefined || url === '') {
    console.error('Invalid configuration: DATABASE_URL is missing');
    return 2;
  }
  const ds = new DataSource(dataSourceOptions({ url, poolSize: 1, applicationName: 'ohe-apikey' }));
  await ds.initialize();
  try {
    const service = new ApiKeyService(new ApiKeyRepository(ds.getRepository(ApiKey)));
    const command = positionals[0] ?? '';
    if (command === 'create' && values.name !== undefined && isRole(values.role)) {
      const slug = values.organization;
      const organization = await ds.getRepository(Organization).findOne({ where: { slug } });
      if (organization === null) {
        console.error(`No organization '${slug}'`);
        return 2;
      }
      const days = values['expires-days'] === undefined ? undefined : Number(values['expires-days']);
      const { id, key } = await service.create({
        name: values.name,
        role: values.role,
        organizationId: organization.id,
        ...(values['ehr-user-id'] === undefined ? {} : { ehrUserId: values['ehr-user-id'] }),
        ...(days === undefined ? {} : { expiresAt: new Date(Date.now() + days * 86_400_000) }),
      });
      console.log(JSON.stringify({ id, key, role: values.role, organization: slug }));
      return 0;
    }
    if (command === 'revoke' && values.id !== undefined) {
      const done = await service.revoke(values.id);
      console.log(done ? `Revoked ${values.id}` : `No active key ${values.id}`);
      return done ? 0 : 1;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await ds.destroy();
  }
}

runCli(main);
