import { afterAll, beforeAll, describe, it } from 'vitest';
import { COUNTS, SHORT } from './harness/counts.js';
import { ChaosEnvironment } from './harness/environment.js';
import { linkPatients, type Patient } from './harness/links.js';
import { QueueProbe, waitUntil } from './harness/queues.js';
import { workerKills } from './scenarios/worker-kills.js';

/**
 * The chaos suite of issue 11: one environment (own Postgres, own Redis with AOF, simulators, FHIR test server,
 * the built service as 1 api + 2 workers), then the scenarios one after another. Each scenario leaves every
 * process running and the backlog drained for the next one.
 */
describe(`chaos (${SHORT ? 'short' : 'full'})`, () => {
  // Undefined until beforeAll got that far: afterAll stops whatever did start.
  let env: ChaosEnvironment | undefined;
  let queues: QueueProbe | undefined;
  let patients: Patient[] = [];

  beforeAll(async () => {
    env = await ChaosEnvironment.start(2);
    const probe = new QueueProbe(env.redis.url, env.redisPrefix);
    queues = probe;
    patients = await linkPatients(env, { withings: COUNTS.withingsPatients, google: COUNTS.googlePatients });
    // The backfills first: the scenarios measure notifications, not the initial history.
    await waitUntil('initial backfills', () => probe.idle(), 240_000);
  });
  afterAll(async () => {
    await queues?.close();
    await env?.stop();
  });

  function ready(): { env: ChaosEnvironment; queues: QueueProbe } {
    if (env === undefined || queues === undefined) {
      throw new Error('the chaos environment did not start');
    }
    return { env, queues };
  }

  it('1: kill -9 workers under load', () => workerKills(ready().env, patients, ready().queues));
});
