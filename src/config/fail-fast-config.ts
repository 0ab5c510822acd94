import type { FailFastEnvironmentVariables } from './fail-fast.env.js';

export interface FailFastConfig {
  readonly redisCommandTimeoutMs: number;
  readonly inboxDbTimeoutMs: number;
  readonly inboxMaxPending: number;
}

export function failFastConfig(vars: FailFastEnvironmentVariables): FailFastConfig {
  return {
    redisCommandTimeoutMs: vars.REDIS_COMMAND_TIMEOUT_MS,
    inboxDbTimeoutMs: vars.INBOX_DB_TIMEOUT_MS,
    inboxMaxPending: vars.INBOX_MAX_PENDING,
  };
}
