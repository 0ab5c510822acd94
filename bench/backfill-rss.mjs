#!/usr/bin/env node
// Memory bound of a backfill: the built service (ROLE=all, one process: API, workers, transformers, FHIR
// transactions) backfilling one Withings and one Google Health user over `days` days of minute-level data (intraday
// heart rate and steps), while this script samples the service's resident set. Goal: peak RSS ≤ 250 MB.
//
//   npm run build && node bench/backfill-rss.mjs [days=30] [providers=withings,fitbit]
//
// The providers are the simulators of the sandbox (dist/test/simulators), made minute-level through their load
// settings; the FHIR server is the minimal transaction server of bench/lib.mjs, so the figure is our process's.
// Needs Postgres (TEST_PG_URL: a scratch database, dropped at the end) and Redis (REDIS_URL: a unique key prefix,
// deleted at the end). Prints one JSON object; exits 1 when the goal is missed.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpuMs, exited, freePort, scratch, serviceEnv, startIndexServer, waitFor } from './lib.mjs';

const days = Number(process.argv[2] ?? 30);
const providers = (process.argv[3] ?? 'withings,fitbit').split(',');
const GOAL_MB = 250;
const SAMPLE_MS = 100;
const TIMEOUT_MS = 20 * 60_000;
// Minute-level series; read by the simulators when they load, so set before importing them.
process.env.SIM_WITHINGS_INTRADAY_STEP_S ??= '60';
process.env.SIM_GOOGLE_HEART_RATE_STEP_MIN ??= '1';
const distRoot = new URL(`${process.env.BENCH_DIST ?? '../dist'}/`, import.meta.url);
const dist = new URL('src/', distRoot);
const sims = new URL('test/simulators/', distRoot);
const { WithingsSimulator } = await import(new URL('withings/withings-simulator.js', sims));
const { GoogleHealthSimulator } = await import(new URL('google-health/google-health-simulator.js', sims));
const { GoogleWebhookSender } = await import(new URL('google-health/webhook-sender.js', sims));
const { linkThrough } = await import(new URL('shared/link-flow.js', sims));
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** VmRSS and VmHWM (the kernel's own peak) of a process, in MB. */
function memoryMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

async function main() {
  const db = await scratch(dist);
  const redis = new Redis(redisUrl);
  const sink = await startIndexServer();
  const withings = await WithingsSimulator.start({ appRequestsPerMinute: 1e9 });
  const google = await GoogleHealthSimulator.start();
  const sender = new GoogleWebhookSender();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    ...serviceEnv({ port, db, redisUrl, withings: withings, withingsApi: withings.baseUrl }),
    GOOGLE_CLIENT_ID: 'ohe-web.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'GOCSPX-ohe-secret',
    GOOGLE_AUTHORIZE_URL: google.authorizeUrl,
    GOOGLE_TOKEN_URL: google.tokenUrl,
    GOOGLE_REVOKE_URL: google.revokeUrl,
    GOOGLE_HEALTH_API_BASE_URL: google.apiBaseUrl,
    GOOGLE_HEALTH_WEBHOOK_SECRET: `bench-${randomBytes(12).toString('hex')}`,
    GOOGLE_HEALTH_WEBHOOK_KEYSET: sender.keysetJson(),
    GOOGLE_HEALTH_QUOTA_PER_MINUTE: '1000000',
    // The container's heap setting (docker/Dockerfile); pass NODE_OPTIONS='' to measure V8's default sizing.
    NODE_OPTIONS: process.env.NODE_OPTIONS ?? '--max-old-space-size=160',
    FHIR_BASE_URL: sink.baseUrl,
    SYNC_INITIAL_LOOKBACK_DAYS: String(days),
    SYNC_SCHEDULES_ENABLED: 'false',
  };
  const service = spawn(process.execPath, [fileURLToPath(new URL('main.js', dist))], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const queues = ['user-sync', 'device-sync'].map(
    (name) => new Queue(name, { connection: { url: redisUrl }, prefix: `${db.prefix}:bull` }),
  );
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, memoryMb(service.pid).rss);
    } catch {
      // The process is gone; the figures below say so.
    }
  }, SAMPLE_MS);
  try {
    await waitFor(`${base}/api/metrics/live/`);
    const idle = memoryMb(service.pid);
    const cpuBefore = cpuMs(service.pid);
    const started = performance.now();
    for (const provider of providers) {
      if (provider === 'withings') {
        withings.approveNext(withings.addUser().userid);
      } else {
        google.approveNext(google.addUser().healthUserId);
      }
      const { final } = await linkThrough({ base, auth: {} }, provider, { ehr_user_id: `rss-${provider}` });
      if (final.status !== 200) {
        throw new Error(`linking ${provider} answered ${final.status}: ${final.body}`);
      }
    }
    let syncJobs = 0;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (performance.now() - started > TIMEOUT_MS) {
        throw new Error('the backfill did not finish in time');
      }
      const counts = await Promise.all(
        queues.map((q) =>
          q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'),
        ),
      );
      const failed = counts.reduce((n, c) => n + c.failed, 0);
      if (failed > 0) {
        throw new Error(`${failed} sync job(s) failed`);
      }
      syncJobs = counts[0].completed;
      if (counts.every((c) => c.waiting + c.active + c.delayed + c.prioritized === 0)) {
        break;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const metrics = await (await fetch(`${base}/api/metrics/metrics`)).text();
    const gauge = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN) / 2 ** 20;
    const end = memoryMb(service.pid);
    const peakMb = Math.max(peakRss, end.hwm);
    const result = {
      days,
      users: Object.fromEntries(providers.map((p) => [p === 'fitbit' ? 'googleHealth' : p, 1])),
      observations: sink.count('Observation'),
      syncJobs,
      seconds: Number(seconds.toFixed(1)),
      serviceCpuS: Number(((cpuMs(service.pid) - cpuBefore) / 1000).toFixed(1)),
      rssMb: {
        idle: Math.round(idle.rss),
        peak: Math.round(peakMb),
        peakSampled: Math.round(peakRss),
        end: Math.round(end.rss),
      },
      heapMbAtEnd: {
        used: Math.round(gauge('nodejs_heap_size_used_bytes')),
        total: Math.round(gauge('nodejs_heap_size_total_bytes')),
      },
      nodeOptions: env.NODE_OPTIONS,
      goal: { peakRssMbAtMost: GOAL_MB, met: peakMb <= GOAL_MB },
    };
    console.log(JSON.stringify(result, null, 2));
    process.exitCode = result.goal.met ? 0 : 1;
  } finally {
    clearInterval(sampler);
    service.kill('SIGTERM');
    await exited(service);
    await Promise.all(queues.map((q) => q.close()));
    await Promise.all([withings.stop(), google.stop(), sink.stop(), sender.stop()]);
    await db.drop(redis);
    redis.disconnect();
  }
}

await main();
