import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import { ALL_QUEUES } from '../../common/queue/queue-names.js';

/** Healthy when every queue answers a job count; reports waiting, active, delayed and failed jobs per queue. */
@Injectable()
export class QueueHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  check(key: string, timeoutMs: number): PromiseLike<HealthIndicatorResult> {
    return this.indicator
      .check(key)
      .attempt(async () => {
        const counts = await Promise.all(
          ALL_QUEUES.map(async (name) => {
            const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
            return [name, await queue.getJobCounts('waiting', 'active', 'delayed', 'failed')] as const;
          }),
        );
        return { queues: Object.fromEntries(counts) };
      })
      .withTimeout(timeoutMs);
  }
}
