import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisClients } from '../../../test/support/redis-clients.js';
import { SharedWindowCounter } from './shared-window-counter.js';

const OPTIONS = { windowMs: 60_000, flushMs: 60_000, maxKeys: 4 };

describe(SharedWindowCounter.name, () => {
  const clients = new RedisClients();
  const prefix = `ohe-test-swc-${randomBytes(4).toString('hex')}`;
  afterEach(() => {
    clients.closeAll();
  });

  it('should count exactly within one process without touching Redis per hit', async () => {
    const redis = await clients.connect();
    const counter = new SharedWindowCounter(redis, prefix, OPTIONS);
    const now = 1_800_000_030_000;
    const totals = Array.from({ length: 5 }, () => counter.hit('a', now).total);
    expect(totals).toEqual([1, 2, 3, 4, 5]);
    expect(await redis.keys(`${prefix}:a:*`)).toEqual([]);
    expect(counter.hit('a', now).resetAtMs).toBe(1_800_000_060_000);
    await counter.close();
  });

  it("should see the other processes' hits after a flush, and keep its own unsent ones on top", async () => {
    const [a, b] = [
      new SharedWindowCounter(await clients.connect(), `${prefix}-shared`, { ...OPTIONS, refreshIdle: true }),
      new SharedWindowCounter(await clients.connect(), `${prefix}-shared`, { ...OPTIONS, refreshIdle: true }),
    ];
    for (let i = 0; i < 3; i++) {
      a.hit('provider');
    }
    for (let i = 0; i < 4; i++) {
      b.hit('provider');
    }
    await a.flush();
    await b.flush();
    await a.flush();
    expect(a.hit('provider').total).toBe(8);
    expect(b.hit('provider').total).toBe(8);
    await Promise.all([a.close(), b.close()]);
  });

  it('should start a new count in a new window', () => {
    const counter = new SharedWindowCounter(null as never, prefix, OPTIONS);
    expect(counter.hit('k', 1_800_000_059_999).total).toBe(1);
    expect(counter.hit('k', 1_800_000_060_000).total).toBe(1);
  });

  it('should keep counting locally while Redis is unreachable, and send the hits once it answers', async () => {
    const down = await clients.connect({ host: '127.0.0.1', port: 1 });
    const counter = new SharedWindowCounter(down, `${prefix}-down`, OPTIONS);
    counter.hit('k');
    counter.hit('k');
    await counter.flush();
    expect(counter.hit('k').total).toBe(3);
  });

  it('should bound the keys it tracks', () => {
    const counter = new SharedWindowCounter(null as never, prefix, OPTIONS);
    const now = 1_800_000_000_000;
    for (const key of ['a', 'b', 'c', 'd']) {
      counter.hit(key, now);
    }
    // A fifth source is not tracked in this window; the tracked ones keep counting.
    expect([counter.hit('e', now).total, counter.hit('e', now).total]).toEqual([1, 1]);
    expect(counter.hit('a', now).total).toBe(2);
  });
});
