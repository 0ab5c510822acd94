import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RedisService } from '../../common/redis/redis.service.js';

/** Lease length; renewed at a third of it while the holder runs, so a crashed worker frees the link within it. */
const LEASE_MS = 60_000;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Compare and renew in one step: between a GET and a PEXPIRE the key could expire and change hands. */
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * The holder no longer owns the link (its key expired or holds another holder's token), or cannot prove it does.
 * Retryable: the job runs again once the link is free, and conditional writes make the repeat harmless.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';

  constructor(linkId: number, why: string, options?: ErrorOptions) {
    super(`link ${linkId} lease lost: ${why}`, options);
  }
}

/** What work done under a lease checks before each step that assumes it has the link to itself. */
export interface LeaseFence {
  /**
   * Resolves when this holder's token is still the key's value in Redis (and renews the lease, so the step that
   * follows has a whole lease period); rejects with LeaseLostError otherwise. Lost once, lost for good.
   */
  assertHeld(): Promise<void>;
}

/** A held lease on one link; release() is idempotent and never deletes another holder's key. */
export interface LinkLease extends LeaseFence {
  /** False once the lease is known lost, or when it has not been confirmed for a whole lease period. */
  readonly held: boolean;
  release(): Promise<void>;
}

/**
 * One sync (data or devices) per link at a time, across every worker process: a Redis lease with an owner token.
 * Conditional creates are not race-safe on real FHIR servers, so two jobs of one link must never publish at once:
 * a holder whose lease expired or changed hands must stop, which it learns from assertHeld() before each publish.
 */
@Injectable()
export class LinkLock {
  private readonly logger = new Logger('LinkLock');

  constructor(private readonly redis: RedisService) {}

  /** The lease, or undefined when another job holds the link. */
  async acquire(linkId: number): Promise<LinkLease | undefined> {
    const key = this.redis.key('link-lock', String(linkId));
    const owner = randomUUID();
    const startedAt = Date.now();
    const ok = await this.redis.client.set(key, owner, 'PX', LEASE_MS, 'NX');
    if (ok !== 'OK') {
      return undefined;
    }
    return new RedisLease(this.redis, key, owner, linkId, startedAt + LEASE_MS, this.logger);
  }
}

class RedisLease implements LinkLease {
  private lost: LeaseLostError | undefined;
  private released = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisService,
    private readonly key: string,
    private readonly owner: string,
    private readonly linkId: number,
    /** Until when the key surely holds our token: the last confirmed renewal's start plus a lease period. */
    private validUntil: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => {
      // A failure here is remembered, not thrown: the next assertHeld() turns it into the job's failure.
      this.renew().catch((err: unknown) => {
        this.logger.warn(
          { linkId, error: err instanceof Error ? err.message : 'unknown' },
          'lease renewal failed',
        );
      });
    }, LEASE_MS / 3);
    this.timer.unref();
  }

  get held(): boolean {
    return this.lost === undefined && !this.released && Date.now() < this.validUntil;
  }

  async assertHeld(): Promise<void> {
    await this.renew();
    if (this.lost !== undefined) {
      throw this.lost;
    }
  }

  async release(): Promise<void> {
    if (this.released) {
      return;
    }
    this.released = true;
    clearInterval(this.timer);
    await this.redis.client.eval(RELEASE, 1, this.key, this.owner).catch(() => undefined);
  }

  /** One atomic compare-and-renew; a reply of 0 means the key expired or belongs to another holder now. */
  private async renew(): Promise<void> {
    if (this.lost !== undefined) {
      return;
    }
    if (this.released) {
      this.lose('released');
      return;
    }
    const startedAt = Date.now();
    let renewed: unknown;
    try {
      renewed = await this.redis.client.eval(EXTEND, 1, this.key, this.owner, LEASE_MS);
    } catch (err) {
      // Unreachable Redis proves nothing either way; once a whole lease period passed unconfirmed, it is gone.
      if (Date.now() >= this.validUntil) {
        this.lose('not renewed within the lease period', err);
      }
      throw new LeaseLostError(this.linkId, 'cannot be confirmed', { cause: err });
    }
    if (renewed === 1) {
      this.validUntil = startedAt + LEASE_MS;
    } else {
      this.lose('expired or taken over by another holder');
    }
  }

  private lose(why: string, cause?: unknown): void {
    this.lost = new LeaseLostError(this.linkId, why, cause === undefined ? undefined : { cause });
    clearInterval(this.timer);
  }
}
