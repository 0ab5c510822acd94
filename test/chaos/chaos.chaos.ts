import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { COUNTS, SHORT } from './harness/counts.js';
import { ChaosEnvironment } from './harness/environment.js';
import { linkPatients, type Patient } from './harness/links.js';
import type { Stage } from './harness/load.js';
import { QueueProbe, waitUntil } from './harness/queues.js';
import { fhirOutage } from './scenarios/fhir-outage.js';
import { postgresStop } from './scenarios/postgres-stop.js';
import { providerLimits } from './scenarios/provider-limits.js';
import { redisRestarts } from './scenarios/redis-restarts.js';
import { sigterm } from './scenarios/sigterm.js';
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

  // CHAOS_DEBUG=1: the last lines each process logged, after every scenario.
  afterEach(() => {
    if (process.env['CHAOS_DEBUG'] === '1' && env !== undefined) {
      for (const m of env.fleet.members) {
        console.log(`--- ${m.role} ${m.port}\n${m.proc.stdout.slice(-6000)}\n${m.proc.stderr.slice(-2000)}`);
      }
    }
  });

  function stage(): Stage {
    if (env === undefined || queues === undefined) {
      throw new Error('the chaos environment did not start');
    }
    return { env, patients, queues };
  }

  it('1: kill -9 workers under load', () => workerKills(stage()));
  it('2: kill -9 and restart Redis under load', () => redisRestarts(stage()));
  it('3: stop Postgres under load', () => postgresStop(stage()));
  it('4: FHIR server 503, then hanging', () => fhirOutage(stage()));
  it('6: SIGTERM under load', () => sigterm(stage()));
  // Last: it restarts the workers with a tighter Withings quota that would slow the others' drains.
  it('5: provider 429 with Retry-After, Withings quota', () => providerLimits(stage()));
});
