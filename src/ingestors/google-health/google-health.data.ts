import { Injectable } from '@nestjs/common';
import type { DataType } from '../../common/domain/data-type.js';
import type { TimeWindow } from '../../common/domain/notification.js';
import type { NormalizedDevice, NormalizedRecord } from '../../common/domain/records.js';
import { ProviderCallError } from '../auth/provider-auth.js';
import { ProviderData, type ProviderDataContext } from '../data/provider-data.js';
import { FITBIT } from './fitbit.descriptor.js';
import { GoogleHealthDataClient, type WireObject } from './google-health-data.client.js';
import { toDevice, toRecords, type GoogleDataType } from './google-health.records.js';

const DAY_MS = 86_400_000;

export type Shape = 'interval' | 'sample' | 'daily' | 'sleep' | 'ecg';

/** How each Google type is filtered: by its interval, its sample time or its civil day, as the type is shaped. */
export const SHAPES: Readonly<Record<GoogleDataType, Shape>> = {
  steps: 'interval',
  'heart-rate': 'sample',
  'heart-rate-variability': 'sample',
  'daily-heart-rate-variability': 'daily',
  'oxygen-saturation': 'sample',
  'daily-oxygen-saturation': 'daily',
  weight: 'sample',
  'body-fat': 'sample',
  sleep: 'sleep',
  electrocardiogram: 'ecg',
  'daily-resting-heart-rate': 'daily',
};

/** Which Google types feed each of our data types. */
const SOURCES: Readonly<Record<DataType, readonly GoogleDataType[]>> = {
  steps: ['steps'],
  heart_rate: ['heart-rate'],
  hrv: ['heart-rate-variability', 'daily-heart-rate-variability'],
  spo2: ['oxygen-saturation', 'daily-oxygen-saturation'],
  weight: ['weight'],
  body_fat: ['body-fat'],
  sleep: ['sleep'],
  ecg: ['electrocardiogram'],
  resting_heart_rate: ['daily-resting-heart-rate'],
  rr_intervals: [],
  blood_pressure: [],
  body_temperature: [],
};

const iso = (d: Date): string => d.toISOString();
const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The filter for one Google type over [start, end). Daily types are asked for every UTC date the window
 * touches: a daily value belongs to each window overlapping its day, and its date-based nativeId keeps the
 * repeat idempotent. Sleep filters on its end (the only interval field the API allows); ECG allows only a lower
 * bound, so the upper one is applied here.
 */
export function filterFor(type: GoogleDataType, w: TimeWindow): string {
  const shape = SHAPES[type];
  const snake = type.replace(/-/g, '_');
  const range = (field: string): string =>
    `${snake}.${field} >= "${iso(w.start)}" AND ${snake}.${field} < "${iso(w.end)}"`;
  switch (shape) {
    case 'interval':
      return range('interval.start_time');
    case 'sample':
      return range('sample_time.physical_time');
    case 'sleep':
      return range('interval.end_time');
    case 'ecg':
      return `${snake}.interval.start_time >= "${iso(w.start)}"`;
    case 'daily':
      return (
        `${snake}.date >= "${utcDate(w.start.getTime())}" AND ` +
        `${snake}.date < "${utcDate(w.end.getTime() - 1 + DAY_MS)}"`
      );
  }
}

/**
 * Fitbit data through the Google Health API v4. One fetch() lists every requested Google type (sleep through
 * reconcile, which merges sources), then turns the points into records. Daily values carry only a civil date:
 * they are placed in the wearer's offset as seen on that day's samples in the same fetch, else UTC.
 */
@Injectable()
export class GoogleHealthData extends ProviderData {
  readonly type = FITBIT.type;
  readonly dataTypes = FITBIT.dataTypes;
  /**
   * A week: the densest type (heart rate, up to one sample a minute) is then at most ~10 000 points, one or a
   * few pages of 10 000, so a chunk costs a handful of calls of the 300/min per-user quota and stays small in
   * memory; a 90-day backfill is 13 chunks.
   */
  readonly maxWindowMs = 7 * DAY_MS;

  constructor(private readonly client: GoogleHealthDataClient) {
    super();
  }

  async fetch(
    ctx: ProviderDataContext,
    dataTypes: readonly DataType[],
    window: TimeWindow,
  ): Promise<NormalizedRecord[]> {
    const wanted = this.dataTypes.filter((t) => dataTypes.includes(t)).flatMap((t) => SOURCES[t]);
    // Daily types last, so the offsets seen on the other types are known when their dates are placed.
    const daily = (t: GoogleDataType): boolean => SHAPES[t] === 'daily';
    const ordered = [...wanted.filter((t) => !daily(t)), ...wanted.filter(daily)];
    const fetched: { type: GoogleDataType; shape: Shape; points: WireObject[] }[] = [];
    for (const type of ordered) {
      const shape = SHAPES[type];
      const filter = filterFor(type, window);
      const points =
        shape === 'sleep'
          ? await this.client.reconcile(ctx, type, filter)
          : await this.client.list(ctx, type, filter);
      fetched.push({ type, shape, points });
    }
    const devices = await this.deviceIds(
      ctx,
      fetched.flatMap((f) => f.points),
    );
    const offsets = new Map<string, number>();
    // Any offset seen in this fetch stands in for dates without samples of their own.
    let anyOffset: number | undefined;
    const records: NormalizedRecord[] = [];
    for (const { type, shape, points } of fetched) {
      for (const point of points) {
        const parsed = toRecords(type, point, {
          patient: ctx.patient,
          pairedDeviceId: (name) => devices.get(name),
          offsetForDate: (date) => offsets.get(date) ?? anyOffset ?? 0,
        });
        for (const record of parsed) {
          if (shape === 'daily' || inWindow(record, shape, window)) {
            records.push(record);
            if (shape !== 'daily') {
              const at = record.timing.kind === 'instant' ? record.timing.at : record.timing.start;
              const local = Date.parse(at) + record.timing.offsetMinutes * 60_000;
              offsets.set(utcDate(local), record.timing.offsetMinutes);
              anyOffset ??= record.timing.offsetMinutes;
            }
          }
        }
      }
    }
    return records;
  }

  async listDevices(ctx: ProviderDataContext): Promise<NormalizedDevice[]> {
    const devices = await this.client.pairedDevices(ctx);
    return devices.map(toDevice).filter((d): d is NormalizedDevice => d !== undefined);
  }

  /**
   * displayName → paired device id, for the device refs. Only looked up when some point names a device; an
   * account whose grant lacks the settings scope (403) gets per-patient unpaired ids (see toRecords).
   */
  private async deviceIds(
    ctx: ProviderDataContext,
    points: readonly WireObject[],
  ): Promise<Map<string, string>> {
    const named = points.some((p) => {
      const source = p['dataSource'];
      return typeof source === 'object' && source !== null && 'device' in source;
    });
    const ids = new Map<string, string>();
    if (!named) {
      return ids;
    }
    let paired: WireObject[];
    try {
      paired = await this.client.pairedDevices(ctx);
    } catch (err) {
      if (err instanceof ProviderCallError && !err.retryable) {
        return ids;
      }
      throw err;
    }
    for (const d of paired) {
      const device = toDevice(d);
      if (device?.model !== undefined && !ids.has(device.model)) {
        ids.set(device.model, device.nativeId);
      }
    }
    return ids;
  }
}

/** The list filter already bounds most types; ECG (lower bound only) and malformed answers are cut here. */
function inWindow(record: NormalizedRecord, shape: Shape, w: TimeWindow): boolean {
  const t = record.timing;
  const at = Date.parse(t.kind === 'instant' ? t.at : shape === 'sleep' ? t.end : t.start);
  return at >= w.start.getTime() && at < w.end.getTime();
}
