import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { OrganizationPublisherRegistry } from '../../publishers/organizations/organization-publishers.js';
import { ProviderAdapters } from '../auth/provider-adapters.js';
import { LinkNotUsableError } from '../tokens/token.service.js';
import type { LeaseFence } from './link-lock.js';
import { SyncLinkRepository } from './sync-link.repository.js';
import { SYNC_METRIC } from './sync-metrics.js';
import { TokenService } from '../tokens/token.service.js';
import { dataContext } from './sync.service.js';
import { PatientGate, PatientNotReadyError } from './patient-gate.js';

export interface DeviceSyncReport {
  readonly linkId: number;
  readonly provider: string;
  readonly devicesProcessed: number;
  readonly associationsCreated: number;
}

/**
 * Devices of one link: the provider's list, published as R5 Devices (upserted, so battery and last-sync stay
 * current) with one DeviceAssociation each (created once). Runs in the device-sync worker and inline for
 * POST /api/base/sync/trigger_device_sync/.
 */
@Injectable()
export class DeviceSyncService {
  constructor(
    private readonly links: SyncLinkRepository,
    private readonly adapters: ProviderAdapters,
    private readonly publishers: OrganizationPublisherRegistry,
    private readonly tokens: TokenService,
    private readonly patients: PatientGate,
    @InjectMetric(SYNC_METRIC.operations) private readonly operations: Counter,
    @InjectMetric(SYNC_METRIC.duration) private readonly duration: Histogram,
  ) {}

  /**
   * Throws LinkNotUsableError when the link is not active (revoked, needs re-authorization, gone), and
   * LeaseLostError when the link's lease was lost before the publish, PatientNotReadyError when the patient has no
   * usable Patient reference (DeviceAssociations name the Patient too).
   */
  async run(linkId: number, lease: LeaseFence): Promise<DeviceSyncReport> {
    const found = await this.links.find(linkId);
    if (found?.status !== 'active') {
      throw new LinkNotUsableError(linkId, found?.status ?? 'gone');
    }
    const admission = await this.patients.admit(found);
    if (!admission.ready) {
      throw new PatientNotReadyError(admission.state);
    }
    const link = admission.link;
    const labels = { provider: link.provider, operation_type: 'device_sync' };
    const stop = this.duration.startTimer(labels);
    try {
      const devices = await this.adapters.data(link.provider).listDevices(dataContext(link, this.tokens));
      const { records: publisher } = await this.publishers.for(link.organizationId);
      const published = await publisher.publishDevices(link.patient, devices, link.linkedAt, () =>
        lease.assertHeld(),
      );
      this.operations.inc({ ...labels, status: 'success' });
      return {
        linkId,
        provider: link.provider,
        devicesProcessed: published.devices,
        associationsCreated: published.associationsCreated,
      };
    } catch (err) {
      this.operations.inc({ ...labels, status: 'error' });
      throw err;
    } finally {
      stop();
    }
  }
}
