// `npm start`: the sandbox (simulated providers feeding a local FHIR server) when SANDBOX=true, which
// .env.example sets; otherwise the service alone, exactly as `node dist/src/main.js` (the container's command).
import { loadDotEnv } from '../dist/src/config/dotenv.js';

loadDotEnv();
const mode = (process.env.SANDBOX ?? 'false').trim().toLowerCase();
if (mode !== 'true' && mode !== 'false') {
  console.error(`Invalid configuration: SANDBOX (must be true or false, got "${mode}")`);
  process.exit(1);
}
await import(mode === 'true' ? '../dist/test/sandbox/main.js' : '../dist/src/main.js');
