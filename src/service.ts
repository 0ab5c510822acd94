import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { exitGracefullyOnSignals } from './common/shutdown/graceful-shutdown.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { loadDotEnv } from './config/dotenv.js';
import { ensureDatabase } from './database/ensure-database.js';

export interface RunningService {
  readonly app: INestApplication;
  readonly config: AppConfig;
}

function configOrExit(): AppConfig {
  try {
    loadDotEnv();
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Boots the service as configured by the environment (and .env), listens, and owns the process from then on:
 * SIGTERM/SIGINT drain HTTP and workers, then exit (exitGracefullyOnSignals). The sandbox launcher calls this
 * after starting its simulators.
 */
export async function runService(): Promise<RunningService> {
  const config = configOrExit();
  const logger = new Logger('Main');
  if (config.createDatabaseIfMissing && (await ensureDatabase(config.databaseUrl))) {
    logger.log('Created the database named in DATABASE_URL');
  }
  const app = await createApp(config);

  exitGracefullyOnSignals(app, config.shutdown, logger);

  await app.listen(config.port, config.host);
  logger.log(`Open Health Exchange listening on ${config.host}:${config.port} (role ${config.role})`);
  return { app, config };
}

/** Prints an error that stopped start-up and exits non-zero. */
export function exitOnStartupError(err: unknown): never {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
}
