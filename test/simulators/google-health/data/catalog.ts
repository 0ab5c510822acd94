/**
 * The data types the simulator serves and how the API treats each (research §2): the JSON field of the
 * DataPoint union, how the type is filtered, its page sizes and the scope that reads it.
 */
export type TimeKind = 'interval' | 'sample' | 'daily' | 'sleep' | 'ecg';

export interface TypeInfo {
  readonly kebab: string;
  /** The name filters use (`steps.interval.start_time`). */
  readonly snake: string;
  /** The DataPoint union member carrying the values (`heartRate`). */
  readonly field: string;
  readonly kind: TimeKind;
  readonly scope: string;
  readonly pageDefault: number;
  readonly pageMax: number;
}

const ACTIVITY = 'activity_and_fitness';
const METRICS = 'health_metrics_and_measurements';

function info(kebab: string, kind: TimeKind, scope: string): TypeInfo {
  const small = kind === 'sleep';
  return {
    kebab,
    snake: kebab.replace(/-/g, '_'),
    field: kebab.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase()),
    kind,
    scope,
    pageDefault: small ? 25 : 1440,
    pageMax: small ? 25 : 10_000,
  };
}

export const SIMULATED_TYPES: ReadonlyMap<string, TypeInfo> = new Map(
  [
    info('steps', 'interval', ACTIVITY),
    info('heart-rate', 'sample', METRICS),
    info('heart-rate-variability', 'sample', METRICS),
    info('daily-heart-rate-variability', 'daily', METRICS),
    info('oxygen-saturation', 'sample', METRICS),
    info('daily-oxygen-saturation', 'daily', METRICS),
    info('weight', 'sample', METRICS),
    info('body-fat', 'sample', METRICS),
    info('sleep', 'sleep', 'sleep'),
    info('electrocardiogram', 'ecg', 'ecg'),
    info('daily-resting-heart-rate', 'daily', METRICS),
  ].map((t) => [t.kebab, t]),
);

/**
 * Every other member of the rev. 20261002 DataPoint union: a valid collection the simulator has no data for
 * (an empty page), as opposed to an unknown one (400).
 */
const OTHER_TYPES = [
  'active-energy-burned',
  'active-minutes',
  'active-zone-minutes',
  'activity-level',
  'altitude',
  'basal-energy-burned',
  'blood-glucose',
  'core-body-temperature',
  'daily-heart-rate-zones',
  'daily-respiratory-rate',
  'daily-sleep-temperature-derivations',
  'daily-vo2-max',
  'distance',
  'exercise',
  'floors',
  'food',
  'food-measurement-unit',
  'height',
  'hydration-log',
  'irregular-rhythm-notification',
  'menstrual-period',
  'moods',
  'nutrition-log',
  'ovulation-test',
  'respiratory-rate-sleep-summary',
  'run-vo2-max',
  'sedentary-period',
  'swim-lengths-data',
  'symptoms',
  'time-in-heart-rate-zone',
  'vo2-max',
];

export function typeInfo(kebab: string): TypeInfo | 'other' | undefined {
  return SIMULATED_TYPES.get(kebab) ?? (OTHER_TYPES.includes(kebab) ? 'other' : undefined);
}
