import type { Redis } from 'ioredis';
import { LuaScript as SharedLuaScript } from '../redis/lua-script.js';

/**
 * Redis side of the circuit breaker. One hash per breaker holds `state` (absent = closed), `failures`,
 * `successes`, `opened_at` and `open_until` (epoch ms, from Redis TIME so skewed hosts agree) and one
 * `probe:<id>` field per half-open trial call, whose value is the lease deadline. A closed breaker with no
 * failures has no key at all, so healthy breakers leave nothing behind.
 */

// Lua 5.1 prints numbers with %.14g; epoch milliseconds have 13 digits, so they round-trip exactly.
const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Admission. ARGV: probe id, max concurrent probes, probe lease ms, key ttl ms.
 * Returns {verdict ('pass'|'probe'|'reject'), state, failures, wait ms, changed (0|1)}.
 * An open breaker whose time is up becomes half-open here, lazily, so no timer process is needed. Probe leases
 * that ran out are dropped, so a worker that died mid-probe cannot wedge the breaker half-open.
 */
const ACQUIRE = `${NOW_MS}
local key = KEYS[1]
local h = redis.call('HMGET', key, 'state', 'failures', 'open_until')
local state = h[1]
local failures = tonumber(h[2]) or 0
if state ~= 'open' and state ~= 'half_open' then
  return {'pass', 'closed', failures, 0, 0}
end
local changed = 0
if state == 'open' then
  local wait = (tonumber(h[3]) or 0) - now
  if wait > 0 then return {'reject', 'open', failures, wait, 0} end
  redis.call('HSET', key, 'state', 'half_open', 'successes', 0)
  changed = 1
end
local live = 0
local soonest = nil
local fields = redis.call('HGETALL', key)
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 6) == 'probe:' then
    local deadline = tonumber(fields[i + 1])
    if deadline <= now then
      redis.call('HDEL', key, fields[i])
    else
      live = live + 1
      if soonest == nil or deadline < soonest then soonest = deadline end
    end
  end
end
if live >= tonumber(ARGV[2]) then
  return {'reject', 'half_open', failures, soonest - now, changed}
end
redis.call('HSET', key, 'probe:' .. ARGV[1], now + tonumber(ARGV[3]))
redis.call('PEXPIRE', key, ARGV[4])
return {'probe', 'half_open', failures, 0, changed}
`;

/**
 * A success. ARGV: probe id ('' when the call was not a probe), success threshold.
 * Returns {state, successes, changed}. Only a probe that still holds its lease counts towards closing; a late
 * success from before the breaker opened must not close it.
 */
const SUCCESS = `
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state ~= 'open' and state ~= 'half_open' then
  redis.call('DEL', key)
  return {'closed', 0, 0}
end
if state == 'half_open' and ARGV[1] ~= '' and redis.call('HDEL', key, 'probe:' .. ARGV[1]) == 1 then
  local successes = redis.call('HINCRBY', key, 'successes', 1)
  if successes >= tonumber(ARGV[2]) then
    redis.call('DEL', key)
    return {'closed', 0, 1}
  end
  return {'half_open', successes, 0}
end
return {state, 0, 0}
`;

/**
 * A classified failure. ARGV: probe id ('' when not a probe), failure threshold, open ms, key ttl ms.
 * Returns {state, failures, opened_at ms (0 unless it opened), changed}. Failures reported while already open,
 * or by calls that were not probes of the current half-open round, are stale and change nothing.
 */
const FAILURE = `${NOW_MS}
local key = KEYS[1]
local h = redis.call('HMGET', key, 'state', 'failures')
local state = h[1]
local failures = (tonumber(h[2]) or 0) + 1
if state == 'open' then
  return {'open', failures - 1, 0, 0}
elseif state == 'half_open' then
  if ARGV[1] == '' or redis.call('HDEL', key, 'probe:' .. ARGV[1]) == 0 then
    return {'half_open', failures - 1, 0, 0}
  end
elseif failures < tonumber(ARGV[2]) then
  redis.call('HSET', key, 'failures', failures)
  redis.call('PEXPIRE', key, ARGV[4])
  return {'closed', failures, 0, 0}
end
-- Rebuilt from scratch so the other probes' leases of a failed half-open round go with it.
redis.call('DEL', key)
redis.call('HSET', key, 'state', 'open', 'failures', failures, 'successes', 0,
  'opened_at', now, 'open_until', now + tonumber(ARGV[3]))
redis.call('PEXPIRE', key, ARGV[4])
return {'open', failures, now, 1}
`;

/** Runs a breaker script; every breaker script answers an array. */
class LuaScript {
  private readonly script: SharedLuaScript;

  constructor(source: string) {
    this.script = new SharedLuaScript(source);
  }

  async run(client: Redis, key: string, args: readonly (string | number)[]): Promise<unknown[]> {
    const reply = await this.script.run(client, key, args);
    if (!Array.isArray(reply)) {
      throw new TypeError(`Unexpected circuit breaker script reply: ${String(reply)}`);
    }
    return reply as unknown[];
  }
}

/** The breaker's state machine states, as stored in Redis and reported by the registry. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** What the admission script decided: run as a normal call, run as a half-open probe, or fail fast. */
export interface Admission {
  readonly verdict: 'pass' | 'probe' | 'reject';
  readonly state: BreakerState;
  readonly failures: number;
  readonly waitMs: number;
  readonly changed: boolean;
}

/** The state after recording an outcome, and whether this call moved the breaker. */
export interface Outcome {
  readonly state: BreakerState;
  readonly failures: number;
  readonly openedAt: number;
  readonly changed: boolean;
}

/** Reads a stored state; a missing or unknown value means closed. */
export function toState(value: unknown): BreakerState {
  return value === 'open' || value === 'half_open' ? value : 'closed';
}

const toNumber = (value: unknown): number => (typeof value === 'number' ? value : Number(value));

const acquireScript = new LuaScript(ACQUIRE);
const successScript = new LuaScript(SUCCESS);
const failureScript = new LuaScript(FAILURE);

/** Admits a call (pass, probe or reject), moving open → half-open once the open period is over. */
export async function acquire(
  client: Redis,
  key: string,
  probeId: string,
  maxProbes: number,
  probeLeaseMs: number,
  ttlMs: number,
): Promise<Admission> {
  const [verdict, state, failures, waitMs, changed] = await acquireScript.run(client, key, [
    probeId,
    maxProbes,
    probeLeaseMs,
    ttlMs,
  ]);
  return {
    verdict: verdict === 'probe' || verdict === 'reject' ? verdict : 'pass',
    state: toState(state),
    failures: toNumber(failures),
    waitMs: Math.max(0, toNumber(waitMs)),
    changed: toNumber(changed) === 1,
  };
}

/** Records a success: resets the count while closed, counts a probe towards closing while half-open. */
export async function recordSuccess(
  client: Redis,
  key: string,
  probeId: string,
  successThreshold: number,
): Promise<Outcome> {
  const [state, , changed] = await successScript.run(client, key, [probeId, successThreshold]);
  return { state: toState(state), failures: 0, openedAt: 0, changed: toNumber(changed) === 1 };
}

/** Records a classified failure: opens at the threshold while closed, reopens on a half-open probe. */
export async function recordFailure(
  client: Redis,
  key: string,
  probeId: string,
  failureThreshold: number,
  openMs: number,
  ttlMs: number,
): Promise<Outcome> {
  const [state, failures, openedAt, changed] = await failureScript.run(client, key, [
    probeId,
    failureThreshold,
    openMs,
    ttlMs,
  ]);
  return {
    state: toState(state),
    failures: toNumber(failures),
    openedAt: toNumber(openedAt),
    changed: toNumber(changed) === 1,
  };
}

/** Gives back a half-open probe slot whose call ended in an ignored error (it proved nothing either way). */
export async function releaseProbe(client: Redis, key: string, probeId: string): Promise<void> {
  await client.hdel(key, `probe:${probeId}`);
}
