import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { uniqueRedisPrefix } from '../support/app.js';
import { assertBuilt, freePort, ServiceProcess } from '../support/spawn-service.js';
import { ownDatabase, TEST_REDIS_URL } from '../support/test-env.js';

/**
 * SIGTERM as a deployment sends it, to the built service. A Postgres table lock held by the test keeps an HTTP
 * request (API-key lookup in api_keys) and a retention job (DELETE FROM audit_events) in flight for as long as the
 * test wants. The database is this file's own: the locks would stall other files' tests.
 */
let db: { url: string; drop: () => Promise<void> };
const procs: ServiceProcess[] = [];
const closers: (() => Promise<unknown>)[] = [];

function serviceEnv(port: number, prefix: string, extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: db.url,
    DATABASE_CREATE_IF_MISSING: 'false',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    MIGRATE_ON_START: 'true',
    SYNC_SCHEDULES_ENABLED: 'false',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

async function start(
  prefix: string,
  extra: Record<string, string>,
): Promise<{ proc: ServiceProcess; base: string }> {
  const port = await freePort();
  const proc = new ServiceProcess(serviceEnv(port, prefix, extra));
  procs.push(proc);
  const base = `http://127.0.0.1:${port}`;
  await proc.waitFor(`${base}/api/metrics/ready/`);
  return { proc, base };
}

/** Holds ACCESS EXCLUSIVE locks on `tables` until release(); statements touching them wait meanwhile. */
async function lockTables(...tables: string[]): Promise<{ release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  let released = false;
  const release = async (): Promise<void> => {
    if (!released) {
      released = true;
      await client.query('COMMIT');
      await client.end();
    }
  };
  closers.push(release);
  return { release };
}

function maintenanceQueue(prefix: string): Queue {
  const queue = new Queue(QueueName.Maintenance, {
    connection: new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }),
    prefix: `${prefix}:bull`,
  });
  closers.push(() => queue.close());
  return queue;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) {
      throw new Error(`${what} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function logged(proc: ServiceProcess, text: string): boolean {
  return proc.logLines().some((l) => String(l['msg']).includes(text));
}

describe('graceful shutdown of the built service', () => {
  beforeAll(async () => {
    assertBuilt();
    db = await ownDatabase('shutdown');
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) {
      await close().catch(() => undefined);
    }
    for (const proc of procs.splice(0)) {
      proc.kill();
    }
  });
  afterAll(async () => {
    await db.drop();
  });

  it('should fail readiness at once, keep serving through the drain delay, finish in-flight work and exit 0', async () => {
    const prefix = uniqueRedisPrefix();
    const { proc, base } = await start(prefix, {
      SHUTDOWN_READINESS_DELAY_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '15000',
    });
    const lock = await lockTables('api_keys', 'audit_events');
    const queue = maintenanceQueue(prefix);
    const job = await queue.add('retention', { task: 'retention' });
    await waitUntil('job active', async () => (await job.getState()) === 'active');
    const slow = fetch(`${base}/api/base/sync/status/?ehr_user_id=someone`, {
      headers: { Authorization: 'Bearer ohe_not-a-real-key-0123456789' },
    });
    await new Promise((r) => setTimeout(r, 300));

    const signalled = performance.now();
    proc.child.kill('SIGTERM');
    await waitUntil('ready 503', async () => (await fetch(`${base}/api/metrics/ready/`)).status === 503, 500);
    expect(performance.now() - signalled).toBeLessThan(500);
    expect((await fetch(`${base}/api/metrics/live/`)).status).toBe(200);
    // Still inside the drain delay: new requests are served, readiness stays down.
    await new Promise((r) => setTimeout(r, 700));
    expect((await fetch(`${base}/api/metrics/live/`)).status).toBe(200);
    expect((await fetch(`${base}/api/metrics/ready/`)).status).toBe(503);
    // Past the delay the listener is closed while the request and the job are still held by the lock.
    await new Promise((r) => setTimeout(r, 1300));
    await expect(fetch(`${base}/api/metrics/live/`)).rejects.toThrow();
    expect(proc.child.exitCode).toBeNull();
    await lock.release();

    expect((await slow).status).toBe(401);
    const exit = await proc.exited;
    const tookMs = performance.now() - signalled;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(15_000);
    expect(await job.getState()).toBe('completed');
    expect(logged(proc, 'SIGTERM received')).toBe(true);
  });

  it('should hand a job still running near the timeout back to the queue, for another worker to finish', async () => {
    const prefix = uniqueRedisPrefix();
    const { proc } = await start(prefix, { SHUTDOWN_READINESS_DELAY_MS: '200', SHUTDOWN_TIMEOUT_MS: '4000' });
    const lock = await lockTables('audit_events');
    const queue = maintenanceQueue(prefix);
    const job = await queue.add('retention', { task: 'retention' }, { attempts: 1 });
    await waitUntil('job active', async () => (await job.getState()) === 'active');

    const signalled = performance.now();
    proc.child.kill('SIGTERM');
    // Handed back before the deadline: back in the wait list, no attempt spent, nothing failed.
    await waitUntil('job handed back', async () => (await job.getState()) === 'waiting', 4_000);
    // The handed-back statement ends once the lock goes, so the connections can close.
    await lock.release();
    const exit = await proc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalled).toBeLessThan(4_000);
    expect(logged(proc, 'handed back')).toBe(true);

    const other = await start(prefix, { SHUTDOWN_READINESS_DELAY_MS: '0' });
    await waitUntil('job completed by another worker', async () => (await job.getState()) === 'completed');
    expect(await queue.getJobCounts('failed', 'waiting', 'active')).toEqual({
      failed: 0,
      waiting: 0,
      active: 0,
    });
    other.proc.child.kill('SIGTERM');
    expect((await other.proc.exited).code).toBe(0);
  });

  it('should exit at once, non-zero and saying so, on a second signal', async () => {
    const prefix = uniqueRedisPrefix();
    const { proc } = await start(prefix, {
      SHUTDOWN_READINESS_DELAY_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '20000',
    });
    proc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const signalled = performance.now();
    proc.child.kill('SIGINT');
    const exit = await proc.exited;
    expect(performance.now() - signalled).toBeLessThan(1_000);
    expect(exit.code).toBe(1);
    expect(logged(proc, 'SIGINT received again during shutdown')).toBe(true);
  });
});
