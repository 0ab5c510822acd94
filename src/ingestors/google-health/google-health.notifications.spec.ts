import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NotificationIntent, NotificationPayload } from '../../common/domain/notification.js';
import { GoogleHealthNotifications } from './google-health.notifications.js';

const NOW = Date.parse('2026-11-22T08:00:00Z');
const sync = (dataTypes: string[], start: string, end: string): NotificationIntent =>
  ({ kind: 'sync', dataTypes, window: { start: new Date(start), end: new Date(end) } }) as NotificationIntent;
const google = (fields: Record<string, string>): NotificationPayload => ({
  healthUserId: '7583570207748835967',
  operation: 'UPSERT',
  startTime: '2026-03-08T01:29:00Z',
  endTime: '2026-03-08T01:34:00Z',
  intervals: '[]',
  ...fields,
});
const legacy = (collectionType: string, date = '2026-10-30'): NotificationPayload => ({
  legacy: '1',
  ownerId: '2E4RVC',
  collectionType,
  date,
});
const WINDOW = ['2026-03-08T01:29:00.000Z', '2026-03-08T01:34:00.000Z'] as const;

describe('GoogleHealthNotifications.interpret', () => {
  const notifications = new GoogleHealthNotifications();
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each<[string, NotificationPayload, NotificationIntent]>([
    ['steps', google({ dataType: 'steps' }), sync(['steps'], ...WINDOW)],
    ['heart-rate', google({ dataType: 'heart-rate' }), sync(['heart_rate'], ...WINDOW)],
    ['heart-rate-variability', google({ dataType: 'heart-rate-variability' }), sync(['hrv'], ...WINDOW)],
    [
      'daily-heart-rate-variability',
      google({ dataType: 'daily-heart-rate-variability' }),
      sync(['hrv'], ...WINDOW),
    ],
    ['oxygen-saturation', google({ dataType: 'oxygen-saturation' }), sync(['spo2'], ...WINDOW)],
    ['daily-oxygen-saturation', google({ dataType: 'daily-oxygen-saturation' }), sync(['spo2'], ...WINDOW)],
    ['weight', google({ dataType: 'weight' }), sync(['weight'], ...WINDOW)],
    ['body-fat', google({ dataType: 'body-fat' }), sync(['body_fat'], ...WINDOW)],
    ['sleep', google({ dataType: 'sleep' }), sync(['sleep'], ...WINDOW)],
    ['electrocardiogram', google({ dataType: 'electrocardiogram' }), sync(['ecg'], ...WINDOW)],
    [
      'daily-resting-heart-rate',
      google({ dataType: 'daily-resting-heart-rate' }),
      sync(['resting_heart_rate'], ...WINDOW),
    ],
    [
      'a resource-name data type',
      google({ dataType: 'users/1/dataTypes/weight' }),
      sync(['weight'], ...WINDOW),
    ],
    [
      'missing bounds → the last hour',
      google({ dataType: 'steps', startTime: '', endTime: '' }),
      sync(['steps'], '2026-11-22T07:00:00Z', '2026-11-22T08:00:00Z'),
    ],
    [
      'unparseable bounds → the last hour',
      google({ dataType: 'sleep', startTime: 'yesterday' }),
      sync(['sleep'], '2026-11-22T07:00:00Z', '2026-11-22T08:00:00Z'),
    ],
    [
      'a point interval keeps its instant',
      google({
        dataType: 'electrocardiogram',
        startTime: '2026-11-21T09:00:00Z',
        endTime: '2026-11-21T09:00:00Z',
      }),
      sync(['ecg'], '2026-11-21T09:00:00.000Z', '2026-11-21T09:00:00.001Z'),
    ],
    [
      'an unmapped type',
      google({ dataType: 'floors' }),
      { kind: 'ignore', reason: 'unmapped data type floors' },
    ],
    ['no type', google({}), { kind: 'ignore', reason: 'unmapped data type (none)' }],
    ['DELETE', google({ operation: 'DELETE', dataType: 'steps' }), { kind: 'check_consent' }],
    [
      'an unknown operation',
      google({ operation: 'MERGE', dataType: 'steps' }),
      { kind: 'ignore', reason: 'unknown operation MERGE' },
    ],
    [
      'legacy activities',
      legacy('activities'),
      sync(['steps', 'heart_rate'], '2026-10-30T00:00:00Z', '2026-10-31T00:00:00Z'),
    ],
    [
      'legacy body',
      legacy('body'),
      sync(['weight', 'body_fat'], '2026-10-30T00:00:00Z', '2026-10-31T00:00:00Z'),
    ],
    ['legacy sleep', legacy('sleep'), sync(['sleep'], '2026-10-30T00:00:00Z', '2026-10-31T00:00:00Z')],
    ['legacy userRevokedAccess', legacy('userRevokedAccess'), { kind: 'revoke' }],
    ['legacy foods', legacy('foods'), { kind: 'ignore', reason: 'unmapped Fitbit collection foods' }],
    [
      'legacy bad date',
      legacy('body', '30.10.2026'),
      { kind: 'ignore', reason: 'Fitbit notification without a valid date' },
    ],
  ])('should map %s', (_label, payload, intent) => {
    expect(notifications.interpret(payload)).toEqual(intent);
  });
});
