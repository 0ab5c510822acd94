import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config/app-config.js';
import { loadDotEnv } from '../../config/dotenv.js';
import { GoogleSubscriberClient } from './google-subscriber.client.js';

const USAGE = `Usage: node dist/src/ingestors/google-health/google-subscriber.cli.js --access-token <token>
  (or GOOGLE_CLOUD_ACCESS_TOKEN; a token with the cloud-platform scope, e.g. gcloud auth print-access-token)
Needs GOOGLE_CLOUD_PROJECT_NUMBER, GOOGLE_HEALTH_WEBHOOK_SECRET and WEBHOOK_PUBLIC_BASE_URL (or PUBLIC_BASE_URL).`;

/** Ops command: registers (or corrects) the project-level Google Health subscriber. */
async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'access-token': { type: 'string' } } });
  loadDotEnv();
  const config = loadConfig();
  const g = config.linking.googleHealth;
  const accessToken = values['access-token'] ?? process.env['GOOGLE_CLOUD_ACCESS_TOKEN'];
  const base = config.linking.webhookBaseUrl;
  if (
    accessToken === undefined ||
    g.projectNumber === undefined ||
    g.webhookSecret === undefined ||
    base === undefined
  ) {
    console.error(USAGE);
    return 2;
  }
  const outcome = await new GoogleSubscriberClient({
    apiBaseUrl: g.apiBaseUrl,
    projectNumber: g.projectNumber,
    subscriberId: g.subscriberId,
    webhookBaseUrl: base,
    webhookSecret: g.webhookSecret,
    accessToken,
    timeoutMs: config.linking.tokenCallTimeoutMs,
  }).ensure();
  console.log(JSON.stringify({ subscriber: g.subscriberId, outcome }));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
