import type { NormalizedRecord, Timing } from '../../common/domain/records.js';

/** An IEEE 1752 / Open mHealth data point: header plus a schema-specific body. */
export interface OmhDataPoint {
  readonly header: {
    readonly uuid: string;
    readonly schema_id: { readonly namespace: 'omh'; readonly name: string; readonly version: string };
    readonly source_creation_date_time: string;
    readonly modality: 'sensed';
    readonly external_datasheets: ReadonlyArray<{ datasheet_type: string; datasheet_reference: string }>;
  };
  readonly body: Readonly<Record<string, unknown>>;
}

export interface OmhSchema {
  readonly name: string;
  readonly version: string;
}

/** `omh:<name>:<version>`, the Observation code JupyterHealth Exchange expects. */
export const omhCode = (s: OmhSchema): string => `omh:${s.name}:${s.version}`;

const pad = (n: number): string => String(Math.trunc(n)).padStart(2, '0');

/** An ISO-8601 date-time in the measurement's own UTC offset (OMH requires an offset). */
export function localDateTime(utc: string, offsetMinutes: number): string {
  const shifted = new Date(Date.parse(utc) + offsetMinutes * 60_000).toISOString().replace(/Z$/, '');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${shifted}${sign}${pad(abs / 60)}:${pad(abs % 60)}`;
}

function timeFrame(t: Timing): Record<string, unknown> {
  return t.kind === 'instant'
    ? { date_time: localDateTime(t.at, t.offsetMinutes) }
    : {
        time_interval: {
          start_date_time: localDateTime(t.start, t.offsetMinutes),
          end_date_time: localDateTime(t.end, t.offsetMinutes),
        },
      };
}

/**
 * The Open mHealth schema and body for a record, or undefined for data types JupyterHealth Exchange has no schema
 * for (ECG, HRV, body fat): those are not sent to a JHE target. Schema versions are the ones JHE registers.
 * RR intervals map to one data point per interval, as the rr-interval schema holds a single duration, plus the
 * window's heart rate.
 */
export function omhBodies(
  record: NormalizedRecord,
): Array<{ schema: OmhSchema; body: Record<string, unknown>; part: string }> {
  const when = { effective_time_frame: timeFrame(record.timing) };
  const one = (
    name: string,
    version: string,
    body: Record<string, unknown>,
  ): ReturnType<typeof omhBodies> => [{ schema: { name, version }, body: { ...body, ...when }, part: '' }];
  switch (record.type) {
    case 'heart_rate':
      return one('heart-rate', '2.0', { heart_rate: { value: record.bpm, unit: 'beats/min' } });
    case 'resting_heart_rate':
      return one('heart-rate', '2.0', {
        heart_rate: { value: record.bpm, unit: 'beats/min' },
        temporal_relationship_to_physical_activity: 'at rest',
      });
    case 'steps':
      return record.timing.kind === 'period'
        ? one('step-count', '3.0', { step_count: { value: record.count, unit: 'steps' } })
        : [];
    case 'spo2':
      return one('oxygen-saturation', '2.0', {
        oxygen_saturation: { value: record.percent, unit: '%' },
        measurement_method: 'pulse oximetry',
      });
    case 'weight':
      return one('body-weight', '3.0', { body_weight: { value: record.kg, unit: 'kg' } });
    case 'body_temperature':
      return record.site === 'body'
        ? one('body-temperature', '4.0', { body_temperature: { value: record.celsius, unit: 'C' } })
        : [];
    case 'blood_pressure':
      return one('blood-pressure', '4.0', {
        systolic_blood_pressure: { value: record.systolicMmHg, unit: 'mmHg' },
        diastolic_blood_pressure: { value: record.diastolicMmHg, unit: 'mmHg' },
      });
    case 'sleep':
      return record.timing.kind === 'period'
        ? one('sleep-duration', '2.0', { sleep_duration: { value: record.asleepMinutes, unit: 'min' } })
        : [];
    case 'rr_intervals':
      // The heart rate of the window travels with its RR intervals (the linked-data rule).
      return [
        {
          schema: { name: 'heart-rate', version: '2.0' },
          body: { heart_rate: { value: record.heartRateBpm, unit: 'beats/min' }, ...when },
          part: 'hr',
        },
        ...record.intervalsMs.map((ms, i) => ({
          schema: { name: 'rr-interval', version: '1.0' },
          body: { rr_interval: { value: ms, unit: 'ms' }, ...when },
          part: `rr${i}`,
        })),
      ];
    case 'ecg':
    case 'hrv':
    case 'body_fat':
      return [];
  }
}
