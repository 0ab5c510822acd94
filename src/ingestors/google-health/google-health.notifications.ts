import type { DataType } from '../../common/domain/data-type.js';
import type { NotificationIntent, NotificationPayload } from '../../common/domain/notification.js';
import { Injectable } from '@nestjs/common';
import {
  NO_REPAIR,
  ProviderNotifications,
  type SubscriptionRepair,
  type SubscriptionView,
} from '../auth/provider-auth.js';
import { FITBIT } from './fitbit.descriptor.js';

/**
 * Google Health notifications come from one project-level subscriber with the AUTOMATIC policy (registered by
 * the `google-subscriber` ops command), so there is nothing to do per user: the webhook maps healthUserId, stored
 * as the link's external_user_id, to the link.
 */
@Injectable()
export class GoogleHealthNotifications extends ProviderNotifications {
  readonly type = FITBIT.type;

  ensureSubscriptions(): Promise<SubscriptionRepair> {
    return Promise.resolve(NO_REPAIR);
  }

  listSubscriptions(): Promise<SubscriptionView> {
    return Promise.resolve({ scope: 'project', subscriptions: [] });
  }

  unsubscribeAll(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Google: {healthUserId, operation, dataType (kebab), startTime, endTime, intervals}; legacy Fitbit
   * subscriptions: {legacy:'1', ownerId, collectionType, date}. Pure apart from reading the clock when a Google
   * notification carries no time bounds.
   */
  interpret(payload: NotificationPayload): NotificationIntent {
    return payload['legacy'] === '1' ? legacyIntent(payload) : googleIntent(payload);
  }
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Google Health data types (webhook `dataType`, kebab-case) → ours. */
const GOOGLE_TYPES: Readonly<Record<string, DataType>> = {
  steps: 'steps',
  'heart-rate': 'heart_rate',
  'heart-rate-variability': 'hrv',
  'daily-heart-rate-variability': 'hrv',
  'oxygen-saturation': 'spo2',
  'daily-oxygen-saturation': 'spo2',
  weight: 'weight',
  'body-fat': 'body_fat',
  sleep: 'sleep',
  electrocardiogram: 'ecg',
  'daily-resting-heart-rate': 'resting_heart_rate',
};

/** Legacy Fitbit subscription collections; the legacy API has none for ECG, SpO2 or HRV. */
const LEGACY_COLLECTIONS: Readonly<Record<string, readonly DataType[]>> = {
  activities: ['steps', 'heart_rate'],
  body: ['weight', 'body_fat'],
  sleep: ['sleep'],
};

function googleIntent(p: NotificationPayload): NotificationIntent {
  const operation = p['operation'];
  if (operation === 'DELETE') {
    // Deletions include a revoked consent or a deleted account: let the grant check decide.
    return { kind: 'check_consent' };
  }
  if (operation !== 'UPSERT') {
    return { kind: 'ignore', reason: `unknown operation ${operation ?? '(none)'}` };
  }
  // Tolerate the resource-name form (`users/…/dataTypes/steps`) some payload variants use.
  const raw = (p['dataType'] ?? '').split('/').pop() ?? '';
  const dataType = GOOGLE_TYPES[raw];
  if (dataType === undefined) {
    return { kind: 'ignore', reason: `unmapped data type ${raw === '' ? '(none)' : raw}` };
  }
  const start = parseInstant(p['startTime']);
  const end = parseInstant(p['endTime']);
  if (start === undefined || end === undefined || end < start) {
    const now = Date.now();
    return {
      kind: 'sync',
      dataTypes: [dataType],
      window: { start: new Date(now - HOUR_MS), end: new Date(now) },
    };
  }
  // A point interval (an ECG's start equals its end) still has to hold its one instant: the end is exclusive.
  return {
    kind: 'sync',
    dataTypes: [dataType],
    window: { start: new Date(start), end: new Date(Math.max(end, start + 1)) },
  };
}

function legacyIntent(p: NotificationPayload): NotificationIntent {
  const collection = p['collectionType'] ?? '';
  if (collection === 'userRevokedAccess') {
    return { kind: 'revoke' };
  }
  const dataTypes = LEGACY_COLLECTIONS[collection];
  if (dataTypes === undefined) {
    return {
      kind: 'ignore',
      reason: `unmapped Fitbit collection ${collection === '' ? '(none)' : collection}`,
    };
  }
  const day = /^\d{4}-\d{2}-\d{2}$/.test(p['date'] ?? '')
    ? Date.parse(`${p['date'] ?? ''}T00:00:00Z`)
    : Number.NaN;
  if (Number.isNaN(day)) {
    return { kind: 'ignore', reason: 'Fitbit notification without a valid date' };
  }
  return { kind: 'sync', dataTypes, window: { start: new Date(day), end: new Date(day + DAY_MS) } };
}

function parseInstant(value: string | undefined): number | undefined {
  const ms = value === undefined || value === '' ? Number.NaN : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
