/**
 * Per-link upkeep jobs (queue link-maintenance), ids only in the payload:
 * - ensure_subscriptions (at link time, nightly, after a secret rotation): list the provider's notification
 *   subscriptions, add the missing ones and move those on an old callback URL. Idempotent, so a retry or a
 *   duplicate job is harmless; a link that is no longer usable (revoked, needs re-auth) is skipped; a spent
 *   quota or open breaker delays the job without spending an attempt. Repairs are counted per action.
 * - end_device_associations: after an unlink, set period.end on the patient's DeviceAssociations for that
 *   provider at the FHIR server (conditional updates on their identifiers: a replay writes the same end).
 * Retryable failures (provider or FHIR outages) throw and BullMQ retries with backoff; permanent ones end the job
 * as failed without spending the remaining attempts.
 */
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Counter } from 'prom-client';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { METRIC } from '../../metrics/metric-names.js';
import { FhirError } from '../../publishers/fhir-errors.js';
import { OrganizationPublisherRegistry } from '../../publishers/organizations/organization-publishers.js';
import { LinkSubscriptionsService } from '../subscriptions/link-subscriptions.service.js';
import { LinkNotUsableError } from '../tokens/token.service.js';
import { SyncLinkRepository } from '../sync/sync-link.repository.js';
import { retryDelayOf } from '../resilience/provider-gate.js';
import { delayJob } from './job-failure.js';
import { throttledWorkerErrorLog } from './worker-errors.js';

type LinkMaintenanceJob = Job<JobDataByQueue[QueueName.LinkMaintenance]>;

@Processor(QueueName.LinkMaintenance)
export class LinkMaintenanceProcessor extends WorkerHost {
  private readonly logger = new Logger(LinkMaintenanceProcessor.name);
  private readonly logWorkerError = throttledWorkerErrorLog(this.logger);

  constructor(
    private readonly subscriptions: LinkSubscriptionsService,
    private readonly publishers: OrganizationPublisherRegistry,
    private readonly links: SyncLinkRepository,
    @InjectMetric(METRIC.subscriptionRepairs) private readonly repairs: Counter<'provider' | 'action'>,
  ) {
    super();
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logWorkerError(err);
  }

  async process(job: LinkMaintenanceJob, token?: string): Promise<string> {
    const { linkId, task, fhirPatientId } = job.data;
    try {
      switch (task) {
        case 'ensure_subscriptions':
          return await this.ensureSubscriptions(linkId);
        case 'end_device_associations':
          return await this.endDeviceAssociations(linkId, new Date(job.timestamp), fhirPatientId);
      }
    } catch (err) {
      const wait = retryDelayOf(err);
      if (wait !== undefined) {
        return delayJob(job, token, wait);
      }
      if (err instanceof FhirError && !err.retryable) {
        throw new UnrecoverableError(err.message);
      }
      throw err;
    }
  }

  private async ensureSubscriptions(linkId: number): Promise<string> {
    try {
      const repair = await this.subscriptions.ensure(linkId);
      const counts = (['added', 'replaced', 'removed'] as const).map((action) => {
        if (repair[action].length > 0) {
          this.repairs.inc({ provider: repair.provider, action }, repair[action].length);
        }
        return `${repair[action].length} ${action}`;
      });
      return `subscriptions ensured (${counts.join(', ')})`;
    } catch (err) {
      if (err instanceof LinkNotUsableError) {
        this.logger.log(`link ${linkId} is ${err.status}: subscriptions skipped`);
        return `skipped: link ${err.status}`;
      }
      throw err;
    }
  }

  private async endDeviceAssociations(
    linkId: number,
    endedAt: Date,
    fhirPatientId?: string,
  ): Promise<string> {
    const link = await this.links.find(linkId);
    if (link === undefined) {
      return 'skipped: link gone';
    }
    const patient = { ...link.patient, fhirPatientId: fhirPatientId ?? link.patient.fhirPatientId };
    const { records: publisher } = await this.publishers.for(link.organizationId);
    const ended = await publisher.endDeviceAssociations(patient, link.provider, endedAt);
    return `${ended} device association(s) ended`;
  }
}
