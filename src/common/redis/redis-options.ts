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
