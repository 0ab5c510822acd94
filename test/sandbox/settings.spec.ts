import { describe, expect, it } from 'vitest';
import { sandboxDatabaseUrl } from './reset.js';
import { loadSandboxSettings, portOf, sandboxEnabled } from './settings.js';

describe('sandbox settings', () => {
  it.each([
    [{}, false],
    [{ SANDBOX: 'true' }, true],
    [{ SANDBOX: ' TRUE ' }, true],
    [{ SANDBOX: 'false' }, false],
  ])('should read SANDBOX from %j as %s', (env, expected) => {
    expect(sandboxEnabled(env)).toBe(expected);
  });

  it.each([
    [{ SANDBOX: 'yes' }, 'SANDBOX (must be true or false, got "yes")'],
    [{ SANDBOX: 'true', NODE_ENV: 'production' }, 'SANDBOX=true is refused with NODE_ENV=production'],
  ])('should refuse %j', (env, message) => {
    expect(() => sandboxEnabled(env)).toThrow(message);
  });

  it('should default to fixed ports from 8100, a one-minute feed and three days of backfill', () => {
    const settings = loadSandboxSettings({});
    expect(settings).toEqual({
      portBase: 8100,
      feedIntervalMs: 60_000,
      lookbackDays: 3,
      stateFile: '.sandbox/sandbox.json',
    });
    expect([portOf(settings, 1), portOf(settings, 6)]).toEqual([8101, 8106]);
    expect(portOf(loadSandboxSettings({ SANDBOX_PORT_BASE: '0' }), 6)).toBe(0);
  });

  it('should name every bad setting in one message', () => {
    expect(() =>
      loadSandboxSettings({
        SANDBOX_PORT_BASE: 'x',
        SANDBOX_FEED_INTERVAL_MS: '10',
        SANDBOX_LOOKBACK_DAYS: '31',
      }),
    ).toThrow(
      'Invalid configuration: SANDBOX_PORT_BASE (must be an integer from 0 to 65000, got "x"); ' +
        'SANDBOX_FEED_INTERVAL_MS (must be an integer from 500 to 86400000, got "10"); ' +
        'SANDBOX_LOOKBACK_DAYS (must be an integer from 1 to 30, got "31")',
    );
  });

  it('should keep its own database beside the configured one and refuse names it cannot derive from', () => {
    expect(sandboxDatabaseUrl('postgres://postgres@127.0.0.1:5432/ohe')).toBe(
      'postgres://postgres@127.0.0.1:5432/ohe_sandbox',
    );
    expect(() => sandboxDatabaseUrl('postgres://postgres@127.0.0.1:5432/my-db')).toThrow('my-db');
  });
});
