#!/usr/bin/env node
// Sync pipeline benchmark: the built service (ROLE=all: OAuth callback, BullMQ jobs, token handling, Postgres
// bookkeeping, provider quota and breaker, transformers, FHIR transactions) backfilling freshly linked Withings
// accounts, against a replay baseline measured in the same run: the very same provider calls and the very same
// FHIR transactions, recorded during the pipeline run and replayed with fetch at the workers' concurrency. The
// baseline is the I/O ceiling of that work; the ratio shows how much of the pipeline's time is its own.
//
//   npm run build && node bench/sync.mjs [accounts=4] [days=3] [rounds=3]
//
// The provider is the Withings simulator of the sandbox (dist/test/simulators, data generated from a seed), the
// FHIR server the minimal transaction server of bench/lib.mjs. Needs Postgres (TEST_PG_URL: a scratch database,
// dropped at the end) and Redis (REDIS_URL: a unique key prefix, deleted at the end). Prints one JSON object.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { allRoleEnv, cpuMs, exited, freePort, scratch, startIndexServer, waitFor } from './lib.mjs';

const accounts = Number(process.argv[2] ?? 4);
const days = Number(process.argv[3] ?? 3);
const rounds = Number(process.argv[4] ?? 3);
const concurrency = 4;
const distRoot = new URL(`${process.env.BENCH_DIST ?? '../dist'}/`, import.meta.url);
const dist = new URL('src/', distRoot);
const { WithingsSimulator } = await import(
  new URL('test/simulators/withings/withings-simulator.js', distRoot)
);
const { linkThrough } = await import(new URL('test/simulators/shared/link-flow.js', distRoot));
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Forwards to the simulator's API host and records every data call (token and notify calls are not data). */
async function startRecordingProxy(target, calls) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' };
      if (req.headers.authorization !== undefined) {
        headers.authorization = req.headers.authorization;
      }
      if (!req.url.startsWith('/v2/oauth2') && !req.url.startsWith('/notify')) {
        calls.push({ url: `${target}${req.url}`, method: req.method, headers, body });
      }
      const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body });
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => server.close() };
}

/** Runs `tasks` (functions returning promises) with at most `width` in flight; answers the seconds it took. */
async function pool(tasks, width) {
  const start = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      await tasks[next++]();
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return (performance.now() - start) / 1000;
}

async function main() {
  const db = await scratch(dist);
  const redis = new Redis(redisUrl);
  const calls = [];
  const bundles = [];
  let lastBundleAt = 0;
  const sink = await startIndexServer({
    onBundle: (raw) => {
      bundles.push(raw);
      lastBundleAt = performance.now();
    },
  });
  const sim = await WithingsSimulator.start({ appRequestsPerMinute: 1e9 });
  const proxy = await startRecordingProxy(sim.baseUrl, calls);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = allRoleEnv({
    port,
    db,
    redisUrl,
    sim,
    withingsApiUrl: proxy.url,
    fhirBaseUrl: sink.baseUrl,
    extra: { SYNC_INITIAL_LOOKBACK_DAYS: String(days), WORKER_CONCURRENCY: String(concurrency) },
  });

  const service = spawn(process.execPath, [fileURLToPath(new URL('main.js', dist))], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const queues = ['user-sync', 'device-sync'].map(
    (name) => new Queue(name, { connection: { url: redisUrl }, prefix: `${db.prefix}:bull` }),
  );
  const busy = async () => {
    for (const q of queues) {
      const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
      if (counts.failed > 0) {
        throw new Error(`${q.name}: ${counts.failed} job(s) failed`);
      }
      if (counts.waiting + counts.active + counts.delayed + counts.prioritized > 0) {
        return true;
      }
    }
    return false;
  };
  try {
    await waitFor(`${base}/api/metrics/live/`);
    const results = [];
    for (let round = 0; round < rounds; round++) {
      calls.length = 0;
      bundles.length = 0;
      sink.reset();
      const cpuBefore = cpuMs(service.pid);
      const started = performance.now();
      for (let i = 0; i < accounts; i++) {
        const { userid } = sim.addUser();
        sim.approveNext(userid);
        const { final } = await linkThrough({ base, auth: {} }, 'withings', {
          ehr_user_id: `bench-${round}-${i}`,
        });
        if (final.status !== 200) {
          throw new Error(`linking answered ${final.status}: ${final.body}`);
        }
      }
      do {
        await new Promise((resolve) => setTimeout(resolve, 100));
      } while (await busy());
      const pipelineS = (lastBundleAt - started) / 1000;
      const cpu = cpuMs(service.pid) - cpuBefore;
      const observations = sink.count('Observation');

      const replaySink = await startIndexServer();
      const replay = [
        ...calls.map((c) => async () => {
          await (await fetch(c.url.replace(proxy.url, sim.baseUrl), c)).arrayBuffer();
        }),
        ...bundles.map((raw) => async () => {
          const headers = { 'content-type': 'application/fhir+json' };
          await (await fetch(replaySink.baseUrl, { method: 'POST', headers, body: raw })).arrayBuffer();
        }),
      ];
      const replayS = await pool(replay, concurrency);
      await replaySink.stop();
      results.push({
        observations,
        providerCalls: calls.length,
        bundles: bundles.length,
        pipelineS,
        replayS,
        cpu,
      });
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const pick = (key) => median(results.map((r) => r[key]));
    const observations = pick('observations');
    const pipelineS = pick('pipelineS');
    const replayS = pick('replayS');
    console.log(
      JSON.stringify(
        {
          accounts,
          days,
          rounds,
          workerConcurrency: concurrency,
          observations,
          providerCalls: pick('providerCalls'),
          fhirTransactions: pick('bundles'),
          pipeline: {
            seconds: Number(pipelineS.toFixed(2)),
            observationsPerSecond: Math.round(observations / pipelineS),
            serviceCpuMsPer1000Observations: Math.round((pick('cpu') / observations) * 1000),
          },
          replay: {
            seconds: Number(replayS.toFixed(2)),
            observationsPerSecond: Math.round(observations / replayS),
          },
          ratio: Number((replayS / pipelineS).toFixed(3)),
          rounds_detail: results.map((r) => ({
            observations: r.observations,
            pipelineS: Number(r.pipelineS.toFixed(2)),
            replayS: Number(r.replayS.toFixed(2)),
          })),
        },
        null,
        2,
      ),
    );
  } finally {
    service.kill('SIGTERM');
    await exited(service);
    await Promise.all(queues.map((q) => q.close()));
    proxy.stop();
    await Promise.all([sim.stop(), sink.stop()]);
    await db.drop(redis);
    redis.disconnect();
  }
}

await main();
