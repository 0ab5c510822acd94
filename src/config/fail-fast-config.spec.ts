import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config.js';
import { env, failure } from '../../test/support/config-env.js';

describe('Fail-fast settings', () => {
  it('should default to a 1 s Redis wait, a half-second database wait and 5000 waiting notifications', () => {
    expect(loadConfig(env()).failFast).toEqual({
      redisCommandTimeoutMs: 1000,
      inboxDbTimeoutMs: 500,
      inboxMaxPending: 5_000,
    });
  });

  it('should read them from the environment', () => {
    const vars = { REDIS_COMMAND_TIMEOUT_MS: '250', INBOX_DB_TIMEOUT_MS: '800', INBOX_MAX_PENDING: '100' };
    expect(loadConfig(env(vars)).failFast).toEqual({
      redisCommandTimeoutMs: 250,
      inboxDbTimeoutMs: 800,
      inboxMaxPending: 100,
    });
  });

  it('should refuse waits too short to succeed, or unbounded ones, at boot', () => {
    expect(failure(env({ REDIS_COMMAND_TIMEOUT_MS: '10' }))).toContain('REDIS_COMMAND_TIMEOUT_MS');
    expect(failure(env({ INBOX_DB_TIMEOUT_MS: '0' }))).toContain('INBOX_DB_TIMEOUT_MS');
    expect(failure(env({ INBOX_DB_TIMEOUT_MS: 'soon' }))).toContain('INBOX_DB_TIMEOUT_MS');
    expect(failure(env({ INBOX_MAX_PENDING: '0' }))).toContain('INBOX_MAX_PENDING');
  });
});
