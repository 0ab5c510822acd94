import { InitialSchema1763790000000 } from './1763790000000-initial-schema.js';

/**
 * Every migration, oldest first. Listed explicitly (no glob) so the same list loads under the test runner,
 * the compiled dist and the CLI. `npm run migration:generate` writes a file; add its class here.
 */
export const MIGRATIONS = [InitialSchema1763790000000];
