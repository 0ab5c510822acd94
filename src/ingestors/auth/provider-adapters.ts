import { Inject, Injectable } from '@nestjs/common';
import { ProviderAuth, ProviderNotifications } from './provider-auth.js';

export const PROVIDER_AUTHS = Symbol('PROVIDER_AUTHS');
export const PROVIDER_NOTIFICATIONS = Symbol('PROVIDER_NOTIFICATIONS');

/** The adapters bound in IngestorsModule, looked up by provider_type: no switch over providers anywhere. */
@Injectable()
export class ProviderAdapters {
  private readonly auths: ReadonlyMap<string, ProviderAuth>;
  private readonly notifications: ReadonlyMap<string, ProviderNotifications>;

  constructor(
    @Inject(PROVIDER_AUTHS) auths: readonly ProviderAuth[],
    @Inject(PROVIDER_NOTIFICATIONS) notifications: readonly ProviderNotifications[],
  ) {
    this.auths = new Map(auths.map((a) => [a.type, a]));
    this.notifications = new Map(notifications.map((n) => [n.type, n]));
  }

  auth(type: string): ProviderAuth {
    const found = this.auths.get(type);
    if (found === undefined) {
      throw new Error(`no ProviderAuth bound for '${type}'`);
    }
    return found;
  }

  notificationsFor(type: string): ProviderNotifications {
    const found = this.notifications.get(type);
    if (found === undefined) {
      throw new Error(`no ProviderNotifications bound for '${type}'`);
    }
    return found;
  }
}
