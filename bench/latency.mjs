#!/usr/bin/env node
// End-to-end latency on an idle system: a Withings notification sent to the built service (ROLE=all: webhook,
// inbox, BullMQ, provider fetch, transformers, FHIR transaction) until the FHIR test server has committed the
// Observation it announces. One notification at a time, spaced out, so each figure is a lone request's latency.
//
//   npm run build && node bench/latency.mjs [notifications=200] [spacingMs=100] [patients=2]
//
// The provider is the Withings simulator and the FHIR server the R5 test server (dist/test/simulators, validation
// on); a pass-through proxy in front of the FHIR server sees each transaction's answer, which is sent once the
// transaction has committed, and stamps the commit of the weight it carries. Needs Postgres (TEST_PG_URL: a
// scratch database, dropped at the end) and Redis (REDIS_URL: a unique key prefix, deleted at the end). Prints one
// JSON object; the goals are p50 ≤ 500 ms and p99 ≤ 2000 ms.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { exited, freePort, scratch, serviceEnv, waitFor } from './lib.mjs';

const count = Number(process.argv[2] ?? 200);
const spacingMs = Number(process.argv[3] ?? 100);
const patients = Number(process.argv[4] ?? 2);
const GOALS = { p50_ms: 500, p99_ms: 2000 };
const distRoot = new URL(`${process.env.BENCH_DIST ?? '../dist'}/`, import.meta.url);
const dist = new URL('src/', distRoot);
const { WithingsSimulator } = await import(
  new URL('test/simulators/withings/withings-simulator.js', distRoot)
);
const { FhirTestServer } = await import(new URL('test/simulators/fhir/fhir-test-server.js', distRoot));
const { linkThrough } = await import(new URL('test/simulators/shared/link-flow.js', distRoot));
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Forwards every request to the FHIR server; when a transaction is answered 200 (all its writes committed), calls
 * `onCommit` with the identifier values of the resources it carried.
 */
async function startCommitProxy(target, onCommit) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const headers = {};
      for (const name of ['content-type', 'accept', 'authorization', 'prefer', 'if-none-exist', 'if-match']) {
        if (req.headers[name] !== undefined) {
          headers[name] = req.headers[name];
        }
      }
      const answer = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      const payload = Buffer.from(await answer.arrayBuffer());
      // fhir-kit-client posts bundles to the base with a trailing slash.
      const toBase = req.url.split('?')[0].replace(/\/+$/, '') === '/fhir';
      if (req.method === 'POST' && toBase && answer.status === 200) {
        const at = performance.now();
        const bundle = JSON.parse(body.toString('utf8'));
        onCommit(
          (bundle.entry ?? []).flatMap((e) => (e.resource?.identifier ?? []).map((i) => i.value)),
          at,
        );
      }
      const passed = {};
      for (const [name, value] of answer.headers) {
        if (
          !['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(
            name,
          )
        ) {
          passed[name] = value;
        }
      }
      res.writeHead(answer.status, passed);
      res.end(payload);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${server.address().port}/fhir`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function main() {
  const db = await scratch(dist);
  const redis = new Redis(redisUrl);
  const fhir = await FhirTestServer.start({ recordRequests: false });
  /** Identifier value → resolve(commit time) of the notification waiting for it. */
  const waiting = new Map();
  const proxy = await startCommitProxy(fhir.baseUrl.replace(/\/fhir$/, ''), (values, at) => {
    for (const value of values) {
      waiting.get(value)?.(at);
    }
  });
  const sim = await WithingsSimulator.start({ appRequestsPerMinute: 1e9 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const secret = `bench-${randomBytes(12).toString('hex')}`;
  const env = {
    ...process.env,
    ...serviceEnv({ port, db, redisUrl, withings: sim, withingsApi: sim.baseUrl }),
    FHIR_BASE_URL: proxy.baseUrl,
    SYNC_SCHEDULES_ENABLED: 'false',
    WITHINGS_WEBHOOK_SECRET: secret,
    FHIR_IDENTIFIER_BASE: 'https://ohe.bench',
    SYNC_INITIAL_LOOKBACK_DAYS: '1',
  };

  const service = spawn(process.execPath, [fileURLToPath(new URL('main.js', dist))], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const queues = ['notifications', 'user-sync', 'device-sync'].map(
    (name) => new Queue(name, { connection: { url: redisUrl }, prefix: `${db.prefix}:bull` }),
  );
  const idle = async () => {
    for (const q of queues) {
      // Delayed jobs (a later resync) do not count: they wait without working.
      const counts = await q.getJobCounts('waiting', 'active', 'prioritized');
      if (Object.values(counts).some((n) => n > 0)) {
        return false;
      }
    }
    return true;
  };
  const settle = async () => {
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
    } while (!(await idle()));
  };
  try {
    await waitFor(`${base}/api/metrics/live/`);
    const linked = [];
    for (let i = 0; i < patients; i++) {
      const { userid } = sim.addUser();
      sim.approveNext(userid);
      const ehrUserId = `latency-${i}`;
      const { final } = await linkThrough({ base, auth: {} }, 'withings', { ehr_user_id: ehrUserId });
      if (final.status !== 200) {
        throw new Error(`linking answered ${final.status}: ${final.body}`);
      }
      linked.push({ userid, ehrUserId });
    }
    // The backfills and device syncs of the new links run first: the figures are for an idle system.
    await settle();

    const latencies = [];
    let lost = 0;
    const callback = `${base}/webhooks/withings/${secret}`;
    const firstDate = Math.floor(Date.now() / 1000) - count - 120;
    for (let i = 0; i < count; i++) {
      const { userid, ehrUserId } = linked[i % linked.length];
      // A fresh weigh-in each time, a second after the previous one: the service deduplicates notifications by
      // user and window, so two weigh-ins of one user in the same second would make one notification.
      const date = firstDate + i;
      const group = sim.addMeasureGroup(userid, {
        date,
        measures: [{ type: 1, value: 70_000 + i, unit: -3 }],
        device: 'scale',
      });
      const committed = new Promise((resolve) => waiting.set(`${ehrUserId}:${group.grpid}:1`, resolve));
      const sent = performance.now();
      const status = await sim.sendNotification(callback, {
        userid,
        appli: 1,
        startdate: date - 30,
        enddate: date + 30,
      });
      if (status >= 300) {
        throw new Error(`notification ${i} answered ${status}`);
      }
      const timeout = new Promise((resolve) => setTimeout(() => resolve(undefined), 30_000));
      const at = await Promise.race([committed, timeout]);
      waiting.delete(`${ehrUserId}:${group.grpid}:1`);
      if (at === undefined) {
        lost += 1;
      } else {
        latencies.push(at - sent);
      }
      // Let the job finish its bookkeeping, then idle a while before the next notification.
      await settle();
      await new Promise((resolve) => setTimeout(resolve, spacingMs));
    }

    latencies.sort((a, b) => a - b);
    const at = (q) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10;
    const figures = { p50_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), max_ms: at(1), min_ms: at(0) };
    console.log(
      JSON.stringify(
        {
          notifications: count,
          committed: latencies.length,
          lost,
          spacing_ms: spacingMs,
          patients,
          ...figures,
          goals: GOALS,
          meets_goals: lost === 0 && figures.p50_ms <= GOALS.p50_ms && figures.p99_ms <= GOALS.p99_ms,
        },
        null,
        2,
      ),
    );
  } finally {
    service.kill('SIGTERM');
    await exited(service);
    await Promise.all(queues.map((q) => q.close()));
    await proxy.stop();
    await Promise.all([sim.stop(), fhir.stop()]);
    await db.drop(redis);
    redis.disconnect();
  }
}

await main();
