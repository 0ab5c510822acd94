import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDotEnv } from '../config/dotenv.js';
import { dataSourceOptions } from './data-source-options.js';
import { runMigrations } from './migrator.js';

/**
 * Migration commands that need only DATABASE_URL: `run`, `revert`, `show`.
 * Usage: node dist/src/database/cli.js <run|revert|show>
 */
async function main(command = ''): Promise<number> {
  loadDotEnv();
  const url = process.env['DATABASE_URL'];
  if (url === undefined || !/^postgres(ql)?:\/\//.test(url)) {
    console.error('Invalid configuration: DATABASE_URL is missing or not a postgres:// URL');
    return 2;
  }
  const dataSource = new DataSource(dataSourceOptions({ url, poolSize: 2, applicationName: 'ohe-migrate' }));
  await dataSource.initialize();
  try {
    switch (command) {
      case 'run': {
        const done = await runMigrations(dataSource);
        console.log(
          done.length === 0 ? 'No pending migrations.' : `Applied: ${done.map((m) => m.name).join(', ')}`,
        );
        return 0;
      }
      case 'revert':
        await dataSource.undoLastMigration({ transaction: 'each' });
        console.log('Reverted the last migration.');
        return 0;
      case 'show': {
        const pending = await dataSource.showMigrations();
        console.log(pending ? 'There are pending migrations.' : 'The schema is up to date.');
        return pending ? 1 : 0;
      }
      default:
        console.error('Usage: cli.js <run|revert|show>');
        return 2;
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
