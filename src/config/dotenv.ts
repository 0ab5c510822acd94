import { existsSync } from 'node:fs';
import { config } from 'dotenv';

/** Loads ./.env when present. Real environment variables always win over the file. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) {
    config({ path, override: false, quiet: true });
  }
}
