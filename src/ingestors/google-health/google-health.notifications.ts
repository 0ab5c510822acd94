import type { NotificationIntent, NotificationPayload } from '../../common/domain/notification.js';
import { Injectable } from '@nestjs/common';
import { ProviderNotifications } from '../auth/provider-auth.js';
import { FITBIT } from './fitbit.descriptor.js';

/**
 * Google Health notifications come from one project-level subscriber with the AUTOMATIC policy (registered by
 * the `google-subscriber` ops command), so there is nothing to do per user: the webhook maps healthUserId, stored
 * as the link's external_user_id, to the link.
 */
@Injectable()
export class GoogleHealthNotifications extends ProviderNotifications {
  readonly type = FITBIT.type;

  ensureSubscriptions(): Promise<readonly string[]> {
    return Promise.resolve([]);
  }

  unsubscribeAll(): Promise<void> {
    return Promise.resolve();
  }

  interpret(_payload: NotificationPayload): NotificationIntent {
    return { kind: 'ignore', reason: 'not yet mapped' };
  }
}
