/**
 * Health data types the service understands, named as the public API names them. Provider adapters map their
 * own categories onto these; transformers map these onto FHIR.
 */
export const DATA_TYPES = [
  'heart_rate',
  'resting_heart_rate',
  'steps',
  'rr_intervals',
  'hrv',
  'ecg',
  'blood_pressure',
  'weight',
  'body_fat',
  'body_temperature',
  'spo2',
  'sleep',
] as const;

export type DataType = (typeof DATA_TYPES)[number];

export function isDataType(value: string): value is DataType {
  return (DATA_TYPES as readonly string[]).includes(value);
}
