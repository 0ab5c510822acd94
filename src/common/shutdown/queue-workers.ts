import { WorkerHost } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { OutageTolerantWorker } from '../queue/outage-tolerant-worker.js';

/** The BullMQ workers of this process (none with ROLE=api), found among the processors @nestjs/bullmq bound. */
@Injectable()
export class QueueWorkers {
  constructor(private readonly discovery: DiscoveryService) {}

  list(): OutageTolerantWorker[] {
    return this.discovery.getProviders().flatMap(({ instance }: { instance: unknown }) => {
      if (!(instance instanceof WorkerHost)) {
        return [];
      }
      const worker: unknown = instance.worker;
      return worker instanceof OutageTolerantWorker ? [worker] : [];
    });
  }
}
