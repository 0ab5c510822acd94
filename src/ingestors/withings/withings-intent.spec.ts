import { describe, expect, it } from 'vitest';
import type { NotificationIntent } from '../../common/domain/notification.js';
import { interpretWithings } from './withings-intent.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const at = (text: string): Date => new Date(text);
const range = { startdate: '1530576000', enddate: '1530698753' };
const rangeWindow = { start: new Date(1_530_576_000_000), end: new Date(1_530_698_753_000) };

describe('interpretWithings', () => {
  it.each<[string, Record<string, string>, NotificationIntent]>([
    [
      'weight',
      { appli: '1', ...range },
      { kind: 'sync', dataTypes: ['weight', 'body_fat'], window: rangeWindow },
    ],
    [
      'temperature',
      { appli: '2', ...range },
      { kind: 'sync', dataTypes: ['body_temperature'], window: rangeWindow },
    ],
    [
      'BP/HR/SpO2',
      { appli: '4', ...range },
      { kind: 'sync', dataTypes: ['blood_pressure', 'heart_rate', 'spo2'], window: rangeWindow },
    ],
    [
      'activity',
      { appli: '16', ...range },
      { kind: 'sync', dataTypes: ['steps', 'heart_rate'], window: rangeWindow },
    ],
    ['sleep', { appli: '44', ...range }, { kind: 'sync', dataTypes: ['sleep'], window: rangeWindow }],
    ['ECG', { appli: '54', ...range }, { kind: 'sync', dataTypes: ['ecg'], window: rangeWindow }],
    [
      'HRV (no RR intervals)',
      { appli: '62', ...range },
      { kind: 'sync', dataTypes: ['hrv'], window: rangeWindow },
    ],
    ['unlink', { appli: '46', action: 'unlink' }, { kind: 'revoke' }],
    ['delete', { appli: '46', action: 'delete' }, { kind: 'revoke' }],
  ])('should map %s', (_name, payload, intent) => {
    expect(interpretWithings({ userid: '12345', ...payload }, NOW)).toEqual(intent);
  });

  it.each<[string, Record<string, string>]>([
    ['profile update', { appli: '46', action: 'update' }],
    ['46 without action', { appli: '46' }],
    ['bed in', { appli: '50', ...range }],
    ['ECG failed', { appli: '55', ...range }],
    ['glucose (not delivered)', { appli: '58', ...range }],
    ['no appli', range],
    ['garbage appli', { appli: '4x', ...range }],
  ])('should ignore %s with a reason', (_name, payload) => {
    const intent = interpretWithings({ userid: '12345', ...payload }, NOW);
    expect(intent.kind).toBe('ignore');
    expect(intent.kind === 'ignore' && intent.reason.length > 0).toBe(true);
  });

  it.each<[string, Record<string, string>, { start: Date; end: Date }]>([
    [
      'date as YYYY-MM-DD → that UTC day',
      { date: '2026-11-20' },
      { start: at('2026-11-20T00:00:00Z'), end: at('2026-11-21T00:00:00Z') },
    ],
    [
      'date as epoch → its UTC day',
      { date: String(Date.parse('2026-11-20T17:45:00Z') / 1000) },
      { start: at('2026-11-20T00:00:00Z'), end: at('2026-11-21T00:00:00Z') },
    ],
    ['no range → the last hour', {}, { start: at('2026-11-22T11:00:00Z'), end: at('2026-11-22T12:00:00Z') }],
    [
      'reversed range → the last hour',
      { startdate: '1530698753', enddate: '1530576000' },
      { start: at('2026-11-22T11:00:00Z'), end: at('2026-11-22T12:00:00Z') },
    ],
    [
      'non-numeric range falls back to date',
      { startdate: 'x', enddate: '1530576000', date: '2026-11-20' },
      { start: at('2026-11-20T00:00:00Z'), end: at('2026-11-21T00:00:00Z') },
    ],
    [
      'start == end → 1 s',
      { startdate: '1530576000', enddate: '1530576000' },
      { start: new Date(1_530_576_000_000), end: new Date(1_530_576_001_000) },
    ],
    [
      'invalid date → the last hour',
      { date: '2026-13-45' },
      { start: at('2026-11-22T11:00:00Z'), end: at('2026-11-22T12:00:00Z') },
    ],
  ])('should take the window from %s', (_name, fields, window) => {
    expect(interpretWithings({ userid: '1', appli: '1', ...fields }, NOW)).toEqual({
      kind: 'sync',
      dataTypes: ['weight', 'body_fat'],
      window,
    });
  });
});
