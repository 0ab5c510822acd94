import type { CodeableConcept, Observation, ObservationComponent } from 'fhir/r5.js';
import type { DeviceRef, NormalizedRecord } from '../common/domain/records.js';
import { emit, quantity, type TransformSession } from './fhir-context.js';
import { CODES, STATISTICS, type ObservationCategory } from './fhir-terminology.js';
import { utcHourInstant } from './fhir-time.js';
import type { TransformedResource } from './transformed-resource.js';

/**
 * HOURLY granularity: one Observation per provider, metric, patient and UTC hour, effectivePeriod
 * [hour, hour + 1 h), components coded with http://hl7.org/fhir/observation-statistics.
 *
 * Which metrics aggregate, and how:
 * - heart_rate (/min), spo2 (%), hrv SDNN and RMSSD (ms, separately): average, minimum, maximum, count. No
 *   top-level value: an hour's mean is not the same observable as a measured heart rate.
 * - steps ({steps}): the hour's total in valueQuantity (what 55423-8 over a period means) and as `sum`, plus the
 *   `count` of source samples.
 * Everything else stays individual: resting heart rate is already a daily figure; weight, body fat, blood
 * pressure, temperature, sleep sessions, RR windows and ECGs are discrete measurements a mean would destroy.
 * A record aggregates only when its timing lies inside one UTC hour; a daily step total or a sleep-spanning
 * window is transformed individually rather than credited to the hour it started in.
 *
 * Idempotency: the identifier is `<provider>/<metric>-hourly` + `<ehrUserId>:<hour start, UTC>`, so a later sync
 * of the same hour produces the same identifier and, through the publisher's conditional update, replaces the
 * aggregate. That replacement is only right if the later sync re-reads the whole hour: an incremental fetch that
 * starts mid-hour would overwrite a full aggregate with a partial one. Duplicate records (same native id) within
 * one bucket count once. Averages are rounded to 2 decimals; the device reference is kept only when every record
 * of the bucket came from the same device; effectivePeriod is written in the offset of the bucket's first record.
 */

interface Metric {
  readonly type: string;
  readonly category: ObservationCategory;
  readonly unit: string;
  readonly total: boolean;
  code(session: TransformSession): CodeableConcept;
}

const METRICS = {
  heartRate: {
    type: 'heart_rate',
    category: 'vital-signs',
    unit: '/min',
    total: false,
    code: () => CODES.heartRate,
  },
  spo2: { type: 'spo2', category: 'vital-signs', unit: '%', total: false, code: () => CODES.spo2 },
  sdnn: { type: 'hrv-sdnn', category: 'vital-signs', unit: 'ms', total: false, code: () => CODES.hrvSdnn },
  rmssd: {
    type: 'hrv-rmssd',
    category: 'vital-signs',
    unit: 'ms',
    total: false,
    code: (s: TransformSession) => s.local.hrvRmssd,
  },
  steps: { type: 'steps', category: 'activity', unit: '{steps}', total: true, code: () => CODES.steps },
} as const satisfies Record<string, Metric>;

const HOUR_MS = 3_600_000;

/** The metric and value a record contributes to an hourly aggregate, or undefined if it stays individual. */
function sample(record: NormalizedRecord): { metric: Metric; value: number } | undefined {
  switch (record.type) {
    case 'heart_rate':
      return { metric: METRICS.heartRate, value: record.bpm };
    case 'spo2':
      return { metric: METRICS.spo2, value: record.percent };
    case 'hrv':
      return { metric: record.metric === 'sdnn' ? METRICS.sdnn : METRICS.rmssd, value: record.ms };
    case 'steps':
      return { metric: METRICS.steps, value: record.count };
    case 'resting_heart_rate':
    case 'rr_intervals':
    case 'ecg':
    case 'blood_pressure':
    case 'weight':
    case 'body_fat':
    case 'body_temperature':
    case 'sleep':
      return undefined;
  }
}

/** Start of the UTC hour that wholly contains the record's timing, or undefined if it spans more than one. */
function hourOf(record: NormalizedRecord): number | undefined {
  const t = record.timing;
  const start = Date.parse(t.kind === 'instant' ? t.at : t.start);
  const hour = start - (((start % HOUR_MS) + HOUR_MS) % HOUR_MS);
  if (t.kind === 'period') {
    const end = Date.parse(t.end);
    if (!(end >= start && end <= hour + HOUR_MS)) {
      return undefined;
    }
  }
  return Number.isNaN(hour) ? undefined : hour;
}

interface Bucket {
  readonly metric: Metric;
  readonly first: NormalizedRecord;
  readonly hour: number;
  readonly seen: Set<string>;
  /** null once two records of the bucket disagree on their device. */
  device: DeviceRef | undefined | null;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Collects aggregatable records of one transformRecords call and turns each bucket into one Observation. */
export class HourlyAggregator {
  /** Buckets in the order first seen, for deterministic output. */
  private readonly buckets: Bucket[] = [];
  // patient → provider → metric → hour: nested maps of short flat keys, cheaper than one concatenated key per record.
  private readonly index = new Map<string, Map<string, Map<string, Map<number, Bucket>>>>();

  constructor(private readonly session: TransformSession) {}

  /**
   * @param record - a record of the batch
   * @returns true when the record was taken into an hourly aggregate, false when it stays individual
   */
  add(record: NormalizedRecord): boolean {
    const s = sample(record);
    const hour = s === undefined ? undefined : hourOf(record);
    if (s === undefined || hour === undefined) {
      return false;
    }
    const hours = this.hoursOf(record, s.metric);
    let bucket = hours.get(hour);
    if (bucket === undefined) {
      bucket = {
        metric: s.metric,
        first: record,
        hour,
        seen: new Set(),
        device: record.device,
        count: 0,
        sum: 0,
        min: s.value,
        max: s.value,
      };
      hours.set(hour, bucket);
      this.buckets.push(bucket);
    }
    if (bucket.seen.has(record.nativeId)) {
      return true;
    }
    bucket.seen.add(record.nativeId);
    bucket.count += 1;
    bucket.sum += s.value;
    bucket.min = Math.min(bucket.min, s.value);
    bucket.max = Math.max(bucket.max, s.value);
    if (bucket.device !== null && !sameDevice(bucket.device, record.device)) {
      bucket.device = null;
    }
    return true;
  }

  /** One Observation per bucket, in the order the buckets were first seen. */
  results(): TransformedResource<Observation>[] {
    const out: TransformedResource<Observation>[] = [];
    for (const bucket of this.buckets) {
      out.push(this.toObservation(bucket));
    }
    return out;
  }

  private hoursOf(record: NormalizedRecord, metric: Metric): Map<number, Bucket> {
    let byProvider = this.index.get(record.patient.ehrUserId);
    if (byProvider === undefined) {
      byProvider = new Map();
      this.index.set(record.patient.ehrUserId, byProvider);
    }
    let byMetric = byProvider.get(record.provider);
    if (byMetric === undefined) {
      byMetric = new Map();
      byProvider.set(record.provider, byMetric);
    }
    let hours = byMetric.get(metric.type);
    if (hours === undefined) {
      hours = new Map();
      byMetric.set(metric.type, hours);
    }
    return hours;
  }

  private toObservation(b: Bucket): TransformedResource<Observation> {
    const { metric, first } = b;
    const start = utcHourInstant(b.hour);
    const identity = this.session.identity(first.provider, `${metric.type}-hourly`, first.patient, start);
    const resource = this.session.observation({
      identity,
      provider: first.provider,
      patient: first.patient,
      category: metric.category,
      code: metric.code(this.session),
      when: {
        kind: 'period',
        start,
        end: utcHourInstant(b.hour + HOUR_MS),
        offsetMinutes: first.timing.offsetMinutes,
      },
      device: b.device ?? undefined,
    });
    const count: ObservationComponent = { code: STATISTICS.count, valueInteger: b.count };
    if (metric.total) {
      resource.valueQuantity = quantity(b.sum, metric.unit);
      resource.component = [{ code: STATISTICS.sum, valueQuantity: quantity(b.sum, metric.unit) }, count];
    } else {
      resource.component = [
        {
          code: STATISTICS.average,
          valueQuantity: quantity(Math.round((b.sum / b.count) * 100) / 100, metric.unit),
        },
        { code: STATISTICS.minimum, valueQuantity: quantity(b.min, metric.unit) },
        { code: STATISTICS.maximum, valueQuantity: quantity(b.max, metric.unit) },
        count,
      ];
    }
    return emit(identity, resource);
  }
}

function sameDevice(a: DeviceRef | undefined, b: DeviceRef | undefined): boolean {
  return (
    a === b || (a !== undefined && b !== undefined && a.provider === b.provider && a.nativeId === b.nativeId)
  );
}
