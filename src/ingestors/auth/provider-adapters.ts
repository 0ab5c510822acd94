import { Inject, Injectable } from '@nestjs/common';
import { ProviderData } from '../data/provider-data.js';
import { ProviderAuth, ProviderNotifications } from './provider-auth.js';

export const PROVIDER_AUTHS = Symbol('PROVIDER_AUTHS');
export const PROVIDER_NOTIFICATIONS = Symbol('PROVIDER_NOTIFICATIONS');
export const PROVIDER_DATA = Symbol('PROVIDER_DATA');

/** The adapters bound in IngestorsModule, looked up by provider_type: no switch over providers anywhere. */
@Injectable()
export class ProviderAdapters {
  private readonly auths: ReadonlyMap<string, ProviderAuth>;
  private readonly notifications: ReadonlyMap<string, ProviderNotifications>;
  private readonly datas: ReadonlyMap<string, ProviderData>;

  constructor(
    @Inject(PROVIDER_AUTHS) auths: readonly ProviderAuth[],
    @Inject(PROVIDER_NOTIFICATIONS) notifications: readonly ProviderNotifications[],
    @Inject(PROVIDER_DATA) datas: readonly ProviderData[],
  ) {
    this.auths = new Map(auths.map((a) => [a.type, a]));
    this.notifications = new Map(notifications.map((n) => [n.type, n]));
    this.datas = new Map(datas.map((d) => [d.type, d]));
  }

  data(type: string): ProviderData {
    const found = this.datas.get(type);
    if (found === undefined) {
      throw new Error(`no ProviderData bound for '${type}'`);
    }
    return found;
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
