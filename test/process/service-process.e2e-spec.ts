import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueRedisPrefix } from '../support/app.js';
import { assertBuilt, freePort, ServiceProcess } from '../support/spawn-service.js';
import { TEST_REDIS_URL } from '../support/test-env.js';

function baseEnv(port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: uniqueRedisPrefix(),
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '5000',
    SHUTDOWN_READINESS_DELAY_MS: '100',
  };
}

describe('the built service as a process', () => {
  let proc: ServiceProcess | undefined;

  beforeAll(() => {
    assertBuilt();
  });
  afterEach(() => {
    proc?.kill();
    proc = undefined;
  });

  it('should start, migrate idempotently, answer live, and stop cleanly on SIGTERM', async () => {
    const port = await freePort();
    proc = new ServiceProcess(baseEnv(port));
    const ms = await proc.waitFor(`http://127.0.0.1:${port}/api/metrics/live/`);
    expect(ms).toBeLessThan(15_000);
    const health = await fetch(`http://127.0.0.1:${port}/api/metrics/health/`);
    expect(health.status).toBe(200);

    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(proc.logLines().some((l) => String(l['msg']).includes('SIGTERM received'))).toBe(true);
  });

  it('should log JSON with request id, route, status and duration, and never credentials', async () => {
    const port = await freePort();
    proc = new ServiceProcess(baseEnv(port));
    await proc.waitFor(`http://127.0.0.1:${port}/api/metrics/live/`);
    const res = await fetch(
      `http://127.0.0.1:${port}/api/base/sync/status/?ehr_user_id=someone&code=OAUTH-CODE-SECRET&state=STATE-SECRET`,
      { headers: { Authorization: 'Bearer ohe_TOKEN-SECRET-VALUE', 'X-Request-ID': 'req-log-check' } },
    );
    expect(res.status).toBe(401);
    await expect
      .poll(() => proc?.logLines().find((l) => l['request_id'] === 'req-log-check'), { timeout: 3000 })
      .toBeDefined();
    const line = proc.logLines().find((l) => l['request_id'] === 'req-log-check');
    expect(line).toMatchObject({ route: '/api/base/sync/status', status: 401, req: { method: 'GET' } });
    expect(typeof line?.['duration_ms']).toBe('number');
    for (const secret of ['TOKEN-SECRET-VALUE', 'OAUTH-CODE-SECRET', 'STATE-SECRET']) {
      expect(proc.stdout + proc.stderr).not.toContain(secret);
    }
  });

  it.each([
    [{ DATABASE_URL: '' }, 'DATABASE_URL'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ AUTH_MODE: 'none', HOST: '0.0.0.0' }, 'AUTH_MODE'],
    [{ PUBLIC_BASE_URL: '' }, 'PUBLIC_BASE_URL'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ OIDC_ISSUER: 'https://idp.example.org', OIDC_SERVICE_SCOPE: 'ohe:service' }, 'OIDC_AUDIENCE'],
  ])('should refuse to start with %o and print one line naming %s', async (override, name) => {
    proc = new ServiceProcess({ ...baseEnv(await freePort()), ...override });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    const lines = proc.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: /);
    expect(lines[0]).toContain(name);
  });
});
