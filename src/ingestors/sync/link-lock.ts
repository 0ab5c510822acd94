import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RedisService } from '../../common/redis/redis.service.js';

/** Lease length; renewed at a third of it while the holder runs, so a crashed worker frees the link within it. */
const LEASE_MS = 60_000;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** A held lease on one link; release() is idempotent. */
export interface LinkLease {
  release(): Promise<void>;
}

/**
 * One sync (data or devices) per link at a time, across every worker process: a Redis lease with an owner token.
 * Conditional creates are not race-safe on real FHIR servers, so two jobs of one link must never publish at once.
 */
@Injectable()
export class LinkLock {
  constructor(private readonly redis: RedisService) {}

  /** The lease, or undefined when another job holds the link. */
  async acquire(linkId: number): Promise<LinkLease | undefined> {
    const key = this.redis.key('link-lock', String(linkId));
    const owner = randomUUID();
    const ok = await this.redis.client.set(key, owner, 'PX', LEASE_MS, 'NX');
    if (ok !== 'OK') {
      return undefined;
    }
    const timer = setInterval(() => {
      this.redis.client.eval(EXTEND, 1, key, owner, LEASE_MS).catch(() => undefined);
    }, LEASE_MS / 3);
    timer.unref();
    let released = false;
    return {
      release: async () => {
        if (released) {
          return;
        }
        released = true;
        clearInterval(timer);
        await this.redis.client.eval(RELEASE, 1, key, owner).catch(() => undefined);
      },
    };
  }
}
