#!/usr/bin/env node
// Webhook ingest benchmark: the built service's POST /webhooks/withings/<secret> (guard, body parsing, link
// look-up, durable acceptance = inbox row committed and job queued before the answer) against three baselines on
// the same machine in the same run: a bare node:http responder (machine), a bare Express app with the same body
// parsers (framework) and a minimal Express handler doing the same durable acceptance and nothing else (the
// work; all three in bench/webhooks-baselines.mjs). Every target runs in its own process; autocannon runs here,
// sharing the cores with them.
//
//   npx nest build && node bench/webhooks.mjs [seconds=10] [rate=500] [connections=64]
//
// Needs Postgres (TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test: a scratch database is created,
// migrated and dropped) and Redis (REDIS_URL, default redis://127.0.0.1:6379: a unique key prefix, deleted at the
// end). Prints one JSON object; the goals are ratio_service_durable >= 0.8 and p99_ms_at_rate <= 25 (the paced
// run; autocannon's overallRate figures are printed too). First the durable baseline and the service alternate in
// BENCH_ROUNDS (5) rounds of 4 s, whose median ratio is the goal's figure; then per target: a 3 s warm-up, a
// max-rate run, then the fixed rate. BENCH_ONLY=express,service limits the targets; BENCH_SERVICE_NODE_ARGS adds
// node flags (--cpu-prof).
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { commandStats, paced } from './http-load.mjs';
import { cpuMs, deleteKeys, freePort, waitFor } from './lib.mjs';

await main();

async function main() {
  const seconds = Number(process.argv[2] ?? 10);
  const rate = Number(process.argv[3] ?? 500);
  const connections = Number(process.argv[4] ?? 64);
  const dist = new URL(`${process.env.BENCH_DIST ?? '../dist'}/src/`, import.meta.url);
  const adminUrl = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dbName = `ohe_bench_${runId}`;
  const prefix = `ohe-bench-${runId}`;
  const secret = `bench-${randomBytes(16).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const userid = '4242';
  const children = [];

  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  const start = (args, env) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  };
  const exited = (child) =>
    new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));

  await admin(`CREATE DATABASE "${dbName}"`);
  const db = new pg.Client({ connectionString: databaseUrl });
  const redis = new Redis(redisUrl);
  let queue;
  try {
    const migrate = start([fileURLToPath(new URL('database/cli.js', dist)), 'run'], {
      DATABASE_URL: databaseUrl,
    });
    await exited(migrate);
    if (migrate.exitCode !== 0) {
      throw new Error(`migrations failed (exit ${migrate.exitCode})`);
    }
    await db.connect();
    await db.query(
      `WITH u AS (INSERT INTO ehr_users (ehr_user_id, organization_id)
                  SELECT 'bench-user', id FROM organizations WHERE slug = 'default' RETURNING id)
       INSERT INTO provider_links (user_id, provider_id, external_user_id, status)
       SELECT u.id, p.id, $1, 'active' FROM u, providers p WHERE p.provider_type = 'withings'`,
      [userid],
    );

    const [nodePort, expressPort, durablePort, servicePort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const self = fileURLToPath(new URL('webhooks-baselines.mjs', import.meta.url));
    const nodeServer = start([self, 'node', String(nodePort)], {});
    const expressServer = start([self, 'express', String(expressPort)], {});
    const durableServer = start([self, 'durable', String(durablePort)], {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `${prefix}-durable`,
    });
    // e.g. BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the service spends its time.
    const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const settings = `NODE_ENV=production ROLE=api HOST=127.0.0.1 MIGRATE_ON_START=false LOG_LEVEL=warn
      RATE_LIMIT_WEBHOOKS=100000000 PORT=${servicePort} PUBLIC_BASE_URL=http://127.0.0.1:${servicePort}
      DATABASE_URL=${databaseUrl} REDIS_URL=${redisUrl}
      REDIS_KEY_PREFIX=${prefix} WITHINGS_WEBHOOK_SECRET=${secret}`;
    const env = Object.fromEntries(
      settings.split(/\s+/).map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]),
    );
    const service = start([...nodeArgs, fileURLToPath(new URL('main.js', dist))], env);
    const path = `/webhooks/withings/${secret}`;
    await Promise.all([
      waitFor(`http://127.0.0.1:${nodePort}/`),
      waitFor(`http://127.0.0.1:${expressPort}/`),
      waitFor(`http://127.0.0.1:${durablePort}/`),
      waitFor(`http://127.0.0.1:${servicePort}/api/metrics/live/`),
    ]);

    // Every request is a new notification (startdate increments), so the service stores a row and queues a job
    // per request; the ceilings get the very same bodies.
    let startdate = 1_700_000_000;
    const nextBody = () => {
      startdate += 1;
      return `userid=${userid}&appli=1&startdate=${startdate}&enddate=${startdate + 60}`;
    };
    const load = (port, opts) =>
      autocannon({
        url: `http://127.0.0.1:${port}`,
        connections,
        ...opts,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            setupRequest: (req) => ({ ...req, body: nextBody() }),
          },
        ],
      });
    const only = process.env.BENCH_ONLY?.split(',');
    const targets = Object.fromEntries(
      Object.entries({
        node: nodePort,
        express: expressPort,
        durable: durablePort,
        service: servicePort,
      }).filter(([name]) => only === undefined || only.includes(name)),
    );
    const serviceResults = [];
    const pids = {
      node: nodeServer.pid,
      express: expressServer.pid,
      durable: durableServer.pid,
      service: service.pid,
    };
    queue = new Queue('notifications', { connection: { url: redisUrl }, prefix: `${prefix}:bull` });
    const jobCount = async () => {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    };
    const run = async (name, opts) => {
      const cpuBefore = cpuMs(pids[name]);
      const result = await load(targets[name], opts);
      result.cpuMsPerRequest = (cpuMs(pids[name]) - cpuBefore) / result.requests.sent;
      if (name === 'service') {
        serviceResults.push(result);
      }
      return result;
    };

    // Durable baseline and service alternately, a few short rounds each: load from elsewhere on the machine
    // drifts over a run, and alternating exposes both targets to the same drift, so the median of the per-round
    // ratios is the steady comparison (the sequential runs below give the full figures per target).
    const interleaved = [];
    const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
    if (targets.durable !== undefined && targets.service !== undefined && rounds > 0) {
      await run('durable', { duration: 3 });
      await run('service', { duration: 3 });
      for (let i = 0; i < rounds; i++) {
        const durable = (await run('durable', { duration: 4 })).requests.average;
        const service = (await run('service', { duration: 4 })).requests.average;
        interleaved.push({ durable: Math.round(durable), service: Math.round(service) });
      }
    }
    const ratios = interleaved.map((r) => r.service / r.durable).sort((a, b) => a - b);
    const medianRatio = ratios.length === 0 ? undefined : ratios[Math.floor(ratios.length / 2)];

    const max = {};
    const fixed = {};
    let pacedService = { ok: 0, sent: 0 };
    // The durable baseline writes to the same inbox table: the service's rows are those added after it ran.
    let rowsBefore = 0;
    let jobsBefore = 0;
    let commandsBefore = new Map();
    for (const name of Object.keys(targets)) {
      if (name === 'service') {
        rowsBefore = (await db.query(`SELECT count(*)::int AS n FROM notification_inbox`)).rows[0].n;
        jobsBefore = await jobCount();
        serviceResults.length = 0; // the verification below covers the requests sent from here on
        commandsBefore = await commandStats(redis);
      }
      await run(name, { duration: 3 }); // warm-up: JIT, connection pools
      const peak = await run(name, { duration: seconds });
      const cpu = Math.round(peak.cpuMsPerRequest * 1000) / 1000;
      max[name] = { rps: Math.round(peak.requests.average), cpu, failed: peak.non2xx + peak.errors };
      const bursty = await run(name, { duration: seconds, overallRate: rate, connections: 50 });
      const steady = await paced(targets[name], path, rate, seconds, nextBody);
      if (name === 'service') {
        pacedService = steady;
      }
      fixed[name] = {
        paced: steady,
        autocannon: {
          p50_ms: bursty.latency.p50,
          p99_ms: bursty.latency.p99,
          max_ms: bursty.latency.max,
          non2xx: bursty.non2xx + bursty.errors + bursty.timeouts,
        },
      };
    }

    const commandsAfter = await commandStats(redis);
    // Stop the service first (SIGTERM drains its pending acceptances), so nothing is still being written.
    service.kill('SIGTERM');
    await exited(service);
    const accepted = serviceResults.reduce((n, r) => n + r['2xx'], pacedService.ok);
    const sent = serviceResults.reduce((n, r) => n + r.requests.sent, pacedService.sent);
    const jobs = (await jobCount()) - jobsBefore;
    const { rows: all } = await db.query(
      `SELECT count(*)::int AS rows, count(*) FILTER (WHERE status = 'queued')::int AS queued FROM notification_inbox`,
    );
    const rows = [{ rows: all[0].rows - rowsBefore, queued: all[0].queued - rowsBefore }];
    // Redis commands the service issued per request it was sent (INFO commandstats, the service ran alone).
    const perRequest = {};
    for (const [command, calls] of commandsAfter) {
      const delta = calls - (commandsBefore.get(command) ?? 0);
      if (delta > 0 && command !== 'info') {
        perRequest[command] = Math.round((delta / sent) * 1000) / 1000;
      }
    }
    const ratio = (a, b) => Math.round((a / b) * 1000) / 1000;
    console.log(
      JSON.stringify({
        seconds,
        connections,
        max_rps: Object.fromEntries(Object.entries(max).map(([k, v]) => [k, v.rps])),
        // The goal's figure: the median over alternating rounds (see above); the sequential runs' ratio beside it.
        ratio_service_durable: medianRatio === undefined ? undefined : Math.round(medianRatio * 1000) / 1000,
        interleaved_rounds: interleaved,
        ratio_service_durable_sequential: ratio(max.service?.rps, max.durable?.rps),
        ratio_service_express: ratio(max.service?.rps, max.express?.rps),
        ratio_service_node: ratio(max.service?.rps, max.node?.rps),
        // Server CPU per request during the max-rate runs: steadier than rates when other work shares the cores.
        cpu_ms_per_request: Object.fromEntries(Object.entries(max).map(([k, v]) => [k, v.cpu])),
        service_max_failed: max.service?.failed,
        fixed_rate: { rate, ...fixed },
        p99_ms_at_rate: fixed.service?.paced.p99_ms,
        redis_commands_per_request: perRequest,
        verification: {
          service_2xx: accepted,
          service_sent: sent,
          inbox_rows: rows[0].rows,
          inbox_queued: rows[0].queued,
          jobs,
          ok:
            rows[0].queued === rows[0].rows &&
            jobs === rows[0].rows &&
            rows[0].rows >= accepted &&
            rows[0].rows <= sent,
        },
      }),
    );
  } finally {
    for (const child of children) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
      }
    }
    await Promise.all(children.map(exited));
    await queue?.close();
    await db.end().catch(() => undefined);
    await deleteKeys(redis, prefix);
    await deleteKeys(redis, `${prefix}-durable`);
    redis.disconnect();
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  }
}
