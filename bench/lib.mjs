// Shared pieces of the benchmarks: ports, polling, a scratch database and Redis prefix per run, and a minimal
// transaction server that stands in for the FHIR server so that a figure measures our code, not the server's.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export async function freePort() {
  const server = createNetServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function waitFor(url, timeoutMs = 30_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export async function deleteKeys(redis, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) {
      await redis.unlink(...keys);
    }
  } while (cursor !== '0');
}

/** User + system CPU time of a process so far, in ms (Linux /proc; clock ticks are 10 ms). */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The environment of the built service as `ROLE=all` against a scratch database (see scratch()) and the Withings
 * simulator `sim`, whose data API may sit behind a proxy (`withingsApiUrl`); `extra` adds or overrides settings.
 */
export function allRoleEnv({
  port,
  db,
  redisUrl,
  sim,
  withingsApiUrl = sim.baseUrl,
  fhirBaseUrl,
  extra = {},
}) {
  return {
    ...process.env,
    NODE_ENV: 'development',
    ROLE: 'all',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    AUTH_MODE: 'none',
    DATABASE_URL: db.databaseUrl,
    MIGRATE_ON_START: 'false',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: db.prefix,
    TOKEN_KEYS: `b1:${randomBytes(32).toString('base64')}`,
    LINK_STATE_SECRET: randomBytes(32).toString('hex'),
    WEBHOOK_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    WITHINGS_CLIENT_ID: 'withings-client-id',
    WITHINGS_CLIENT_SECRET: 'withings-client-secret',
    WITHINGS_AUTHORIZE_URL: sim.authorizeUrl,
    WITHINGS_API_BASE_URL: withingsApiUrl,
    WITHINGS_WEBHOOK_SECRET: `bench-${randomBytes(12).toString('hex')}`,
    WITHINGS_QUOTA_PER_MINUTE: '1000000',
    FHIR_BASE_URL: fhirBaseUrl,
    SYNC_SCHEDULES_ENABLED: 'false',
    ...extra,
  };
}

export const exited = (child) =>
  new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));

/**
 * A database and Redis key prefix of this run only: the database is created and migrated with the built CLI
 * (`dist` is the URL of dist/src/), and `drop()` removes both.
 */
export async function scratch(dist) {
  const adminUrl = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dbName = `ohe_bench_${runId}`;
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE "${dbName}"`);
  const migrate = spawn(process.execPath, [fileURLToPath(new URL('database/cli.js', dist)), 'run'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await exited(migrate);
  if (migrate.exitCode !== 0) {
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    throw new Error(`migrations failed (exit ${migrate.exitCode})`);
  }
  return {
    runId,
    databaseUrl,
    prefix: `ohe-bench-${runId}`,
    drop: async (redis) => {
      if (redis !== undefined) {
        await deleteKeys(redis, `ohe-bench-${runId}`);
      }
      await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    },
  };
}

/**
 * Just enough of a FHIR server for transactions of conditional writes: one Map per `Type?identifier=…` key, so
 * every entry costs O(1). `delayMs` stands in for a real server's work per transaction; `onBundle` sees every
 * transaction as received (the sync bench records them to replay).
 */
export async function startIndexServer({ delayMs = 0, onBundle } = {}) {
  const stored = new Map();
  let nextId = 1;
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const bundle = JSON.parse(raw);
      onBundle?.(raw, bundle);
      const entry = bundle.entry.map((e) => {
        const [type, query = ''] =
          e.request.method === 'PUT' ? e.request.url.split('?') : [e.request.url, e.request.ifNoneExist];
        const key = `${type}?${new URLSearchParams(query).get('identifier')}`;
        const found = stored.get(key);
        const id = found?.id ?? String(nextId++);
        const version =
          found === undefined ? 1 : e.request.method === 'PUT' ? found.version + 1 : found.version;
        stored.set(key, { id, version, type });
        const status = found === undefined ? '201 Created' : '200 OK';
        return {
          response: { status, location: `${type}/${id}/_history/${version}`, etag: `W/"${version}"` },
        };
      });
      const body = JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry });
      const answer = () => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(body);
      if (delayMs > 0) {
        setTimeout(answer, delayMs);
      } else {
        answer();
      }
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${http.address().port}/fhir`,
    /** Stored resources of one type. */
    count: (type) => [...stored.values()].filter((r) => r.type === type).length,
    reset: () => stored.clear(),
    stop: async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
