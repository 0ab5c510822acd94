import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { LuaScript } from '../redis/lua-script.js';
import { RedisService } from '../redis/redis.service.js';

// Fixed window: the first hit of a window sets its expiry; returns [hits, ms left in the window, the window's
// end in epoch ms]. The end is read back from the key (PEXPIRETIME, Redis 7+), so every hit of one window reports
// the same instant, whichever instance serves it.
const INCREMENT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl, redis.call('PEXPIRETIME', KEYS[1])}
`;
// EVALSHA: the script body travels once per Redis, not on every request.
const incrementScript = new LuaScript(INCREMENT_SCRIPT);

export interface ThrottlerRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
  /** When the window ends, in epoch seconds (rounded up). */
  resetAt: number;
}

/**
 * Throttler counters in Redis, so a limit holds across every instance of the service. Times are returned in
 * seconds, as @nestjs/throttler expects.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly redis: RedisService) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerRecord> {
    const redisKey = this.redis.key('rl', throttlerName, key);
    const [hits, pttl, endsAtMs] = (await incrementScript.run(this.redis.client, redisKey, [ttl])) as [
      number,
      number,
      number,
    ];
    const secondsLeft = Math.max(1, Math.ceil(pttl / 1000));
    const isBlocked = hits > limit;
    return {
      totalHits: hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
      resetAt: Math.ceil(endsAtMs / 1000),
    };
  }
}
