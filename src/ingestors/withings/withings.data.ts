import { Injectable } from '@nestjs/common';
import type { DataType } from '../../common/domain/data-type.js';
import type { TimeWindow } from '../../common/domain/notification.js';
import type { NormalizedDevice, NormalizedRecord } from '../../common/domain/records.js';
import { AppConfig } from '../../config/app-config.js';
import { isRecord } from '../auth/http.js';
import { ProviderData, type ProviderDataContext } from '../data/provider-data.js';
import { ProviderGate } from '../resilience/provider-gate.js';
import { WithingsDataClient } from './withings-data.client.js';
import { WITHINGS } from './withings.descriptor.js';
import { measureGroupRecords, meastypesFor, type RecordScope } from './withings-measures.js';
import {
  activityRecords,
  deviceRecord,
  ecgRecord,
  intradayFieldsFor,
  intradayRecords,
  sleepRecords,
} from './withings-series.js';
import { DAY_MS, utcDate } from './withings-time.js';

const INTRADAY_TYPES: readonly DataType[] = ['heart_rate', 'steps', 'spo2', 'hrv'];
const SLEEP_FIELDS = [
  'deepsleepduration',
  'lightsleepduration',
  'remsleepduration',
  'wakeupduration',
  'total_sleep_time',
];

const epochS = (d: Date): number => Math.floor(d.getTime() / 1000);
/** Withings' end bounds are inclusive; the window's end is not. */
const lastSecond = (d: Date): number => Math.ceil(d.getTime() / 1000) - 1;

/**
 * Withings data: getmeas (weight, fat ratio, blood pressure with pulse, scale pulse, temperatures, SpO2),
 * intraday activity (heart rate, steps, SpO2, HRV), daily activity (steps), heart list/get (ECG with every
 * sample) and sleep summaries. Each endpoint is called at most once per fetch (paged to the end).
 */
@Injectable()
export class WithingsData extends ProviderData {
  readonly type = WITHINGS.type;
  readonly dataTypes = WITHINGS.dataTypes;
  /** getintradayactivity serves at most 24 h per request. */
  readonly maxWindowMs = DAY_MS;
  private readonly client: WithingsDataClient;

  constructor(config: AppConfig, gate: ProviderGate) {
    super();
    this.client = new WithingsDataClient(config, gate);
  }

  async fetch(
    ctx: ProviderDataContext,
    dataTypes: readonly DataType[],
    window: TimeWindow,
  ): Promise<NormalizedRecord[]> {
    const wanted = new Set(dataTypes.filter((t) => WITHINGS.dataTypes.includes(t)));
    if (wanted.size === 0 || window.end.getTime() <= window.start.getTime()) {
      return [];
    }
    const scope: RecordScope = { patient: ctx.patient, wanted, window };
    const out: NormalizedRecord[] = [];
    const range = { startdate: epochS(window.start), enddate: lastSecond(window.end) };
    // Local dates of the window in any zone lie within a day either side of its UTC dates.
    const ymdRange = {
      startdateymd: utcDate(window.start.getTime() - DAY_MS),
      enddateymd: utcDate(window.end.getTime() + DAY_MS),
    };

    const meastypes = meastypesFor(wanted);
    if (meastypes.length > 0) {
      const { timezone, groups } = await ctx.withToken((t) =>
        this.client.getmeas(t, { meastypes, ...range }),
      );
      out.push(...groups.flatMap((g) => measureGroupRecords(g, timezone, scope)));
    }
    if (wanted.has('steps')) {
      const days = await ctx.withToken((t) => this.client.getactivity(t, ymdRange));
      out.push(...activityRecords(days, scope));
    }
    if (INTRADAY_TYPES.some((t) => wanted.has(t))) {
      const dataFields = intradayFieldsFor(wanted);
      const series = await ctx.withToken((t) => this.client.getintradayactivity(t, { ...range, dataFields }));
      if (Object.keys(series).length > 0) {
        const zones = await this.deviceZones(ctx);
        out.push(...intradayRecords(series, scope, (id) => (id === undefined ? undefined : zones.get(id))));
      }
    }
    if (wanted.has('ecg')) {
      out.push(...(await this.ecgs(ctx, range, scope)));
    }
    if (wanted.has('sleep')) {
      const series = await ctx.withToken((t) =>
        this.client.sleepSummary(t, { ...ymdRange, dataFields: SLEEP_FIELDS }),
      );
      out.push(...sleepRecords(series, scope));
    }
    return out;
  }

  async listDevices(ctx: ProviderDataContext): Promise<NormalizedDevice[]> {
    const devices = await ctx.withToken((t) => this.client.getdevice(t));
    return devices.map(deviceRecord).filter((d): d is NormalizedDevice => d !== undefined);
  }

  private async ecgs(
    ctx: ProviderDataContext,
    range: { startdate: number; enddate: number },
    scope: RecordScope,
  ): Promise<NormalizedRecord[]> {
    const entries = await ctx.withToken((t) => this.client.heartList(t, range));
    const out: NormalizedRecord[] = [];
    for (const entry of entries) {
      const signalid = signalIdOf(entry);
      if (signalid === undefined) {
        continue;
      }
      const signal = await ctx.withToken((t) => this.client.heartGet(t, signalid));
      const record = ecgRecord(entry, signal, scope);
      if (record) {
        out.push(record);
      }
    }
    return out;
  }

  /** Intraday entries name a device but no timezone; the device list carries each device's zone. */
  private async deviceZones(ctx: ProviderDataContext): Promise<ReadonlyMap<string, string>> {
    const devices = await ctx.withToken((t) => this.client.getdevice(t));
    const zones = new Map<string, string>();
    for (const d of devices) {
      if (isRecord(d) && typeof d['deviceid'] === 'string' && typeof d['timezone'] === 'string') {
        zones.set(d['deviceid'], d['timezone']);
      }
    }
    return zones;
  }
}

function signalIdOf(entry: unknown): number | undefined {
  const id = isRecord(entry) && isRecord(entry['ecg']) ? entry['ecg']['signalid'] : undefined;
  return typeof id === 'number' && Number.isInteger(id) ? id : undefined;
}
