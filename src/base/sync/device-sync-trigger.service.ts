import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { ApiError } from '../../common/errors/api-error.js';
import { DeviceSyncService } from '../../ingestors/sync/device-sync.service.js';
import { LinkLock, type LinkLease } from '../../ingestors/sync/link-lock.js';
import { describe } from '../../ingestors/sync/sync.service.js';
import { PatientAccessService } from '../patient-access.service.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import { syncErrorCode } from '../../ingestors/sync/sync-errors.js';
import type { DeviceSyncResultDto } from './dto/device-sync.dto.js';
import { activeLinkOf } from './active-link.js';

/** How long the request waits for a sync of the same link that is running in a worker. */
const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 250;

/**
 * POST /api/base/sync/trigger_device_sync/: a real device sync, run inline so the answer carries real counts (the
 * original answered from a mock). Takes the link's lock like the workers, so it never publishes concurrently with
 * a data sync of the same link. Provider or FHIR failures answer the spec's body with success false and a code
 * from SYNC_ERRORS.
 */
@Injectable()
export class DeviceSyncTriggerService {
  private readonly logger = new Logger('DeviceSyncTrigger');

  constructor(
    private readonly access: PatientAccessService,
    private readonly links: ProviderLinkRepository,
    private readonly devices: DeviceSyncService,
    private readonly lock: LinkLock,
  ) {}

  async trigger(principal: Principal, ehrUserId: string, provider: string): Promise<DeviceSyncResultDto> {
    const user = await this.access.visibleUser(principal, ehrUserId);
    const link = await activeLinkOf(this.links, user, provider);
    const now = new Date();
    const base = { sync_id: syncId(now), ehr_user_id: ehrUserId, provider };
    const lease = await this.waitForLock(link.id);
    try {
      const report = await this.devices.run(link.id, lease);
      return {
        message: 'Device sync completed',
        ...base,
        devices_processed: report.devicesProcessed,
        associations_created: report.associationsCreated,
        success: true,
        errors: [],
      };
    } catch (err) {
      const code = syncErrorCode(err);
      // The message names hosts, ports and URLs: it goes to the log (with the request id), the caller gets the code.
      this.logger.warn({ linkId: link.id, provider, code, error: describe(err) }, 'device sync failed');
      return {
        message: 'Device sync failed',
        ...base,
        devices_processed: 0,
        associations_created: 0,
        success: false,
        errors: [code],
      };
    } finally {
      await lease.release();
    }
  }

  private async waitForLock(linkId: number): Promise<LinkLease> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      const lease = await this.lock.acquire(linkId);
      if (lease !== undefined) {
        return lease;
      }
      if (Date.now() >= deadline) {
        throw new ApiError(
          HttpStatus.CONFLICT,
          'sync_in_progress',
          'A sync of this link is running; try again shortly',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
}

/** The spec's `device-sync-YYYYMMDD-HHMMSS` (UTC). */
function syncId(at: Date): string {
  const iso = at.toISOString();
  return `device-sync-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}
