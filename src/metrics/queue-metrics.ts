import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectMetric, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Queue } from 'bullmq';
import type { Gauge } from 'prom-client';
import { ALL_QUEUES, type QueueName } from '../common/queue/queue-names.js';
import { METRIC } from './metric-names.js';

/** Job states reported per queue; 'prioritized' holds the jobs added with a priority (every real-time job). */
export const QUEUE_SIZE_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

/** A scrape must not hang on Redis; past this the gauge keeps the last counts this process read. */
const SCRAPE_TIMEOUT_MS = 250;

// The gauge is process-global (prom-client's default registry keeps the first instance made) while queues belong
// to one application; with several applications in one process (tests) the most recently started one reports.
const live: QueueSizeCollector[] = [];

/** The gauge's collect(): reads the job counts just before a scrape reads the gauge. */
export async function collectQueueSizes(): Promise<void> {
  await live.at(-1)?.refresh();
}

export const queueSizeGauge = makeGaugeProvider({
  name: METRIC.queueSize,
  help: 'Jobs per queue and state, read from Redis at scrape time',
  labelNames: ['queue', 'state'],
  collect: collectQueueSizes,
});

/** Reads every queue's job counts (one round trip per queue) into the ohe_queue_size gauge. */
@Injectable()
export class QueueSizeCollector implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(QueueSizeCollector.name);
  private queues: (readonly [QueueName, Queue])[] = [];
  private reading: Promise<void> | undefined;

  constructor(
    private readonly moduleRef: ModuleRef,
    @InjectMetric(METRIC.queueSize) private readonly gauge: Gauge<'queue' | 'state'>,
  ) {}

  onModuleInit(): void {
    this.queues = ALL_QUEUES.map(
      (name) => [name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })] as const,
    );
    live.push(this);
  }

  onModuleDestroy(): void {
    live.splice(live.indexOf(this), 1);
  }

  /**
   * Refreshes the gauge, waiting at most SCRAPE_TIMEOUT_MS. A read still pending from an earlier scrape (Redis
   * down: commands wait for the reconnect) is awaited rather than repeated, so scrapes never pile up commands.
   */
  async refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SCRAPE_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await Promise.race([this.reading, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async read(): Promise<void> {
    try {
      const counts = await Promise.all(
        this.queues.map(
          async ([name, queue]) => [name, await queue.getJobCounts(...QUEUE_SIZE_STATES)] as const,
        ),
      );
      for (const [queue, byState] of counts) {
        for (const state of QUEUE_SIZE_STATES) {
          this.gauge.set({ queue, state }, byState[state] ?? 0);
        }
      }
    } catch (err) {
      this.logger.debug(`Queue sizes not refreshed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
