import type { RedisOptions } from 'ioredis';

/** Splits a redis:// or rediss:// URL into ioredis options (BullMQ takes options, not URLs). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number.parseInt(u.pathname.slice(1), 10) : 0;
  return {
    // WHATWG URL keeps IPv6 literals bracketed ('[::1]'); sockets need the bare address.
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? 6379 : Number.parseInt(u.port, 10),
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    db: Number.isNaN(db) ? 0 : db,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A connection whose callers answer HTTP requests and so must not wait out a Redis outage: no offline queue (a
 * command while disconnected fails at once instead of piling up), one retry, and a bound on every command for a
 * Redis that holds the connection open without answering. Reconnects keep trying every two seconds at most.
 * The retry strategy is typed as a plain function so the options also fit BullMQ's connection type.
 */
export function failFastRedisOptions(
  url: string,
  commandTimeoutMs: number,
): RedisOptions & { retryStrategy: (times: number) => number } {
  return {
    ...redisOptionsFromUrl(url),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
}
