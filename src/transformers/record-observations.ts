import type { Observation, ObservationComponent, Quantity } from 'fhir/r5.js';
import type {
  BloodPressureRecord,
  BodyTemperatureRecord,
  HrvRecord,
  NormalizedRecord,
  RrIntervalsRecord,
  SleepRecord,
  StepsRecord,
} from '../common/domain/records.js';
import { companionHeartRate } from './companion-heart-rate.js';
import { ecgResources } from './ecg.js';
import { emit, quantity, type TransformSession } from './fhir-context.js';
import { CODES, type ObservationCategory } from './fhir-terminology.js';
import type { TransformedResource } from './transformed-resource.js';

const DAY_MS = 86_400_000;

function single(
  session: TransformSession,
  record: NormalizedRecord,
  type: string,
  observationCategory: ObservationCategory,
  code: Observation['code'],
  value: Quantity,
  component?: ObservationComponent[],
): TransformedResource<Observation> {
  const { identity, resource } = session.recordObservation(record, type, observationCategory, code);
  resource.valueQuantity = value;
  if (component !== undefined) {
    resource.component = component;
  }
  return emit(identity, resource);
}

function steps(session: TransformSession, record: StepsRecord): TransformedResource<Observation> {
  const t = record.timing;
  const daily = t.kind === 'period' && Date.parse(t.end) - Date.parse(t.start) === DAY_MS;
  const code = daily ? CODES.dailySteps : CODES.steps;
  return single(session, record, record.type, 'activity', code, quantity(record.count, '{steps}'));
}

function bloodPressure(session: TransformSession, record: BloodPressureRecord): TransformedResource[] {
  const { identity, resource } = session.recordObservation(
    record,
    record.type,
    'vital-signs',
    CODES.bloodPressure,
  );
  // A panel: the values live in the components only (the vital-signs BP profile forbids a top-level value).
  resource.component = [
    { code: CODES.systolic, valueQuantity: quantity(record.systolicMmHg, 'mm[Hg]') },
    { code: CODES.diastolic, valueQuantity: quantity(record.diastolicMmHg, 'mm[Hg]') },
  ];
  if (record.pulseBpm === undefined) {
    return [emit(identity, resource)];
  }
  return [
    emit(identity, resource, identity.fullUrl),
    companionHeartRate(session, record, record.pulseBpm, identity.fullUrl),
  ];
}

function temperature(session: TransformSession, record: BodyTemperatureRecord): TransformedResource {
  // Skin temperature (wrist sensors) is a different observable from core body temperature: never 8310-5.
  const code = record.site === 'skin' ? CODES.skinTemperature : CODES.bodyTemperature;
  return single(session, record, record.type, 'vital-signs', code, quantity(record.celsius, 'Cel'));
}

function cumulativeOffsets(intervalsMs: readonly number[]): string {
  const offsets = new Array<string>(intervalsMs.length);
  let t = 0;
  for (let i = 0; i < intervalsMs.length; i++) {
    t += intervalsMs[i] ?? 0;
    // Rounded to the nanosecond so float sums of fractional intervals never print as 812.0000000001.
    offsets[i] = String(Math.round(t * 1e6) / 1e6);
  }
  return offsets.join(' ');
}

/**
 * RR intervals are irregularly spaced by nature, so SampledData uses `offsets` (sdd-1 allows offsets or
 * interval, not both): each interval is placed at the beat that ends it, counting from the first beat at the
 * start of the record's period.
 */
function rrIntervals(session: TransformSession, record: RrIntervalsRecord): TransformedResource[] {
  if (record.intervalsMs.length === 0) {
    return [companionHeartRate(session, record, record.heartRateBpm, undefined)];
  }
  const { identity, resource } = session.recordObservation(
    record,
    record.type,
    'vital-signs',
    CODES.rrIntervals,
  );
  resource.valueSampledData = {
    origin: quantity(0, 'ms'),
    intervalUnit: 'ms',
    offsets: cumulativeOffsets(record.intervalsMs),
    dimensions: 1,
    data: record.intervalsMs.join(' '),
  };
  return [
    emit(identity, resource, identity.fullUrl),
    companionHeartRate(session, record, record.heartRateBpm, identity.fullUrl),
  ];
}

function hrv(session: TransformSession, record: HrvRecord): TransformedResource {
  const code = record.metric === 'sdnn' ? CODES.hrvSdnn : session.local.hrvRmssd;
  // One provider data point can carry both metrics under one native id: the metric is part of the type.
  return single(session, record, `hrv-${record.metric}`, 'vital-signs', code, quantity(record.ms, 'ms'));
}

function sleep(session: TransformSession, record: SleepRecord): TransformedResource {
  const stages = record.stages ?? {};
  const component: ObservationComponent[] = [];
  const stage = (code: Observation['code'], minutes: number | undefined): void => {
    if (minutes !== undefined) {
      component.push({ code, valueQuantity: quantity(minutes, 'min') });
    }
  };
  stage(CODES.deepSleep, stages.deepMinutes);
  stage(CODES.lightSleep, stages.lightMinutes);
  stage(CODES.remSleep, stages.remMinutes);
  stage(session.local.awake, stages.awakeMinutes);
  const value = quantity(record.asleepMinutes, 'min');
  return single(
    session,
    record,
    record.type,
    'activity',
    CODES.sleepDuration,
    value,
    component.length > 0 ? component : undefined,
  );
}

/**
 * The FHIR resources for one record at INDIVIDUAL granularity.
 * @param record - a normalized record
 * @param session - the transform session
 */
export function recordResources(record: NormalizedRecord, session: TransformSession): TransformedResource[] {
  switch (record.type) {
    case 'heart_rate':
      return [
        single(session, record, record.type, 'vital-signs', CODES.heartRate, quantity(record.bpm, '/min')),
      ];
    case 'resting_heart_rate':
      return [
        single(
          session,
          record,
          record.type,
          'vital-signs',
          CODES.restingHeartRate,
          quantity(record.bpm, '/min'),
        ),
      ];
    case 'steps':
      return [steps(session, record)];
    case 'rr_intervals':
      return rrIntervals(session, record);
    case 'hrv':
      return [hrv(session, record)];
    case 'ecg':
      return ecgResources(session, record);
    case 'blood_pressure':
      return bloodPressure(session, record);
    case 'weight':
      return [single(session, record, record.type, 'vital-signs', CODES.weight, quantity(record.kg, 'kg'))];
    case 'body_fat':
      return [
        single(session, record, record.type, 'vital-signs', CODES.bodyFat, quantity(record.percent, '%')),
      ];
    case 'body_temperature':
      return [temperature(session, record)];
    case 'spo2':
      return [single(session, record, record.type, 'vital-signs', CODES.spo2, quantity(record.percent, '%'))];
    case 'sleep':
      return [sleep(session, record)];
  }
}
