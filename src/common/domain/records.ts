/**
 * Provider-agnostic health records. Provider ingestors produce these from each provider's wire format; the
 * transformers turn them into FHIR R5 (or Open mHealth). They live only in memory, for the length of one job:
 * nothing here is ever written to Postgres or Redis.
 *
 * Times are ISO-8601 instants in UTC (`...Z`). `offsetMinutes` keeps the UTC offset the provider reported for
 * the measurement (Withings `timezone`, Google Health `utcOffset`), so a FHIR dateTime can carry the wearer's
 * local offset instead of pretending everything happened in UTC.
 */
import type { DataType } from './data-type.js';

export type Timing =
  | { readonly kind: 'instant'; readonly at: string; readonly offsetMinutes: number }
  | { readonly kind: 'period'; readonly start: string; readonly end: string; readonly offsetMinutes: number };

/** Who the data is about: the EHR's user id (scopes identifiers) and the Patient resource id at the FHIR server. */
export interface PatientRef {
  readonly ehrUserId: string;
  readonly fhirPatientId: string;
}

/**
 * The device a record came from, by the provider's own device id (Withings deviceid, Google pairedDevices id, or
 * for a Google device that is not paired a per-patient `unpaired-…` id). Not unique across patients: the FHIR
 * Device is scoped to the patient (deviceIdentity).
 */
export interface DeviceRef {
  readonly provider: string;
  readonly nativeId: string;
}

interface RecordBase<T extends DataType> {
  readonly type: T;
  /** provider_type: 'withings' | 'fitbit' | ... */
  readonly provider: string;
  readonly patient: PatientRef;
  /**
   * The provider's own id(s) for this measurement, stable across re-fetches: Withings `<grpid>:<meastype>`,
   * ECG `signalid`, Google Health data point `name`, or for series without ids `<series>:<start instant>`.
   */
  readonly nativeId: string;
  readonly timing: Timing;
  readonly device?: DeviceRef;
}

export interface HeartRateRecord extends RecordBase<'heart_rate'> {
  readonly bpm: number;
}

export interface RestingHeartRateRecord extends RecordBase<'resting_heart_rate'> {
  readonly bpm: number;
}

/** Steps over a period; a period of exactly 24 h is a daily total. */
export interface StepsRecord extends RecordBase<'steps'> {
  readonly count: number;
}

/**
 * Beat-to-beat intervals over a period, with the mean heart rate of the same window: RR intervals are never
 * published without their heart rate (the spec's linked-data rule).
 */
export interface RrIntervalsRecord extends RecordBase<'rr_intervals'> {
  readonly intervalsMs: readonly number[];
  readonly heartRateBpm: number;
}

export interface HrvRecord extends RecordBase<'hrv'> {
  readonly metric: 'sdnn' | 'rmssd';
  readonly ms: number;
}

export type EcgClassification = 'sinus_rhythm' | 'atrial_fibrillation' | 'inconclusive' | 'unclassified';

/** A single-lead ECG: every sample, in the order recorded. */
export interface EcgRecord extends RecordBase<'ecg'> {
  readonly samplingFrequencyHz: number;
  /** Raw sample values; physical value = sample × factor, in `unit`. */
  readonly samples: readonly number[];
  readonly factor: number;
  readonly unit: 'uV' | 'mV';
  readonly lead: 'I' | 'unspecified';
  readonly classification: EcgClassification;
  /** Heart rate measured during the recording; published with the ECG (linked-data rule). */
  readonly heartRateBpm?: number;
}

export interface BloodPressureRecord extends RecordBase<'blood_pressure'> {
  readonly systolicMmHg: number;
  readonly diastolicMmHg: number;
  /** Pulse measured with the pressure, when the device reports it. */
  readonly pulseBpm?: number;
}

export interface WeightRecord extends RecordBase<'weight'> {
  readonly kg: number;
}

export interface BodyFatRecord extends RecordBase<'body_fat'> {
  readonly percent: number;
}

export interface BodyTemperatureRecord extends RecordBase<'body_temperature'> {
  readonly celsius: number;
  /** Skin temperature is a different observable from core body temperature. */
  readonly site: 'body' | 'skin';
}

export interface Spo2Record extends RecordBase<'spo2'> {
  readonly percent: number;
}

export interface SleepStages {
  readonly deepMinutes?: number;
  readonly lightMinutes?: number;
  readonly remMinutes?: number;
  readonly awakeMinutes?: number;
}

/** One sleep session (timing is its period). */
export interface SleepRecord extends RecordBase<'sleep'> {
  readonly asleepMinutes: number;
  readonly stages?: SleepStages;
}

export type NormalizedRecord =
  | HeartRateRecord
  | RestingHeartRateRecord
  | StepsRecord
  | RrIntervalsRecord
  | HrvRecord
  | EcgRecord
  | BloodPressureRecord
  | WeightRecord
  | BodyFatRecord
  | BodyTemperatureRecord
  | Spo2Record
  | SleepRecord;

/** What a provider reports about one of the patient's devices. */
export interface NormalizedDevice {
  readonly provider: string;
  readonly nativeId: string;
  readonly manufacturer: string;
  /** Provider's device kind, mapped to SNOMED by the transformer: scale, blood pressure monitor, ... */
  readonly kind:
    | 'scale'
    | 'activity_tracker'
    | 'smartwatch'
    | 'blood_pressure_monitor'
    | 'thermometer'
    | 'sleep_monitor'
    | 'other';
  readonly model?: string;
  readonly modelNumber?: string;
  readonly firmwareVersion?: string;
  readonly batteryPercent?: number;
  /** Provider's coarse battery level when no percentage is known ('high' | 'medium' | 'low'). */
  readonly batteryLevel?: string;
  readonly lastSyncAt?: string;
  readonly active: boolean;
}

/** Per-link choice of granularity: one Observation per measurement, or one per metric per UTC hour. */
export type AggregationLevel = 'INDIVIDUAL' | 'HOURLY';
