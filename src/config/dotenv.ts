import { existsSync } from 'node:fs';
import { config } from 'dotenv';

/**
 * Loads ./.env when present. Outside production, a checkout without one falls back to .env.example, whose
 * values suit a development machine with local Postgres and Redis, so `npm start` works on a fresh clone.
 * Real environment variables always win over either file.
 */
export function loadDotEnv(): void {
  const production = process.env['NODE_ENV'] === 'production';
  const file = existsSync('.env')
    ? '.env'
    : !production && existsSync('.env.example')
      ? '.env.example'
      : undefined;
  if (file !== undefined) {
    config({ path: file, override: false, quiet: true });
  }
}
