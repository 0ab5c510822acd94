import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { loadDotEnv } from './config/dotenv.js';
import { ensureDatabase } from './database/ensure-database.js';

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

async function bootstrap(): Promise<void> {
  const config = configOrExit();
  const logger = new Logger('Main');
  if (config.createDatabaseIfMissing && (await ensureDatabase(config.databaseUrl))) {
    logger.log('Created the database named in DATABASE_URL');
  }
  const app = await createApp(config);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.log(`${signal} received: closing the HTTP server and workers`);
    // Workers wait for their active jobs with no limit of their own; this bounds the whole shutdown.
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error(`Shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.once('SIGINT', () => {
    stop('SIGINT');
  });

  await app.listen(config.port, config.host);
  logger.log(`Open Health Exchange listening on ${config.host}:${config.port} (role ${config.role})`);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
