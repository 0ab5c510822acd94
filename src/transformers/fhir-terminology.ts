import type { CodeableConcept, Coding } from 'fhir/r5.js';

/**
 * Code systems and the concepts the FHIR transformers emit. Codings carry no `display`: a wrong display is a
 * terminology-validation warning on many servers, and `text` already gives readers a label that is ours to word.
 *
 * Choices where the research marked uncertainty [U]:
 * - skin temperature: LOINC 39106-0 "Temperature of Skin", never 8310-5 (core body temperature).
 * - HRV RMSSD: no LOINC term exists, so a local code `hrv-rmssd` in {@link localCodeSystem} `ohe-observation`.
 * - sleep stages: LOINC 93831-6 deep, 93830-8 light, 93829-0 REM (components of 93832-4 sleep duration); awake
 *   minutes use the local code `sleep-awake`: device-reported awake time includes the time before falling
 *   asleep, so it is not the clinical "wake after sleep onset".
 * - ECG conclusions: SNOMED 426783006 sinus rhythm, 49436004 atrial fibrillation, 419984006 inconclusive.
 * - battery charge: MDC 67996 MDC_ATTR_VAL_BATT_CHARGE, in the system the R5 device-property-type value set uses.
 */
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const SNOMED = 'http://snomed.info/sct';
/** MDC (ISO/IEEE 11073-10101) as the core ECG example writes it. */
export const MDC_OID = 'urn:oid:2.16.840.1.113883.6.24';
/** MDC as the R5 device-property-type value set writes it. */
export const MDC_ISO = 'urn:iso:std:iso:11073:10101';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const OBSERVATION_STATISTICS = 'http://hl7.org/fhir/observation-statistics';
export const DIAGNOSTIC_SERVICE_SECTION = 'http://terminology.hl7.org/CodeSystem/v2-0074';
export const DEVICE_ASSOCIATION_STATUS = 'http://hl7.org/fhir/deviceassociation-status';
export const DEVICE_ASSOCIATION_STATUS_REASON = 'http://hl7.org/fhir/deviceassociation-status-reason';

/**
 * Our own code systems live under `<identifierBase>/fhir/CodeSystem/<name>`:
 * - `ohe-observation`: `hrv-rmssd` (HRV, root mean square of successive RR differences, ms) and `sleep-awake`
 *   (minutes awake during a sleep session).
 * - `ohe-device-property`: `last-sync` (when the provider last heard from the device; valueString instant,
 *   because Device.property has no dateTime value type).
 * - `ohe-device-association-category`: `home-use` (a patient-owned consumer device used at home).
 * @param identifierBase - the deployment's identifier base, without a trailing slash
 * @param name - the code system's name
 */
export function localCodeSystem(identifierBase: string, name: string): string {
  return `${identifierBase}/fhir/CodeSystem/${name}`;
}

export type ObservationCategory = 'vital-signs' | 'activity' | 'procedure';

/**
 * Deep-freezes a terminology value. Resources share these objects instead of each carrying its own copy (at
 * 100k records/s the copies were most of the garbage collector's work), so they must be immutable: an attempt
 * to edit one throws rather than silently changing every other resource.
 * @param value - a plain JSON value
 */
export function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) {
      frozen(member);
    }
    Object.freeze(value);
  }
  return value;
}

export const CATEGORIES: Readonly<Record<ObservationCategory, CodeableConcept>> = frozen({
  'vital-signs': { coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs' }] },
  activity: { coding: [{ system: OBSERVATION_CATEGORY, code: 'activity' }] },
  procedure: { coding: [{ system: OBSERVATION_CATEGORY, code: 'procedure' }] },
});

/** The one-element category lists Observations carry, shared like the concepts in them. */
export const CATEGORY_LISTS: Readonly<Record<ObservationCategory, CodeableConcept[]>> = frozen({
  'vital-signs': [CATEGORIES['vital-signs']],
  activity: [CATEGORIES.activity],
  procedure: [CATEGORIES.procedure],
});

function concept(codings: Coding[], text: string): CodeableConcept {
  return frozen({ coding: codings, text });
}

const loinc = (code: string, text: string): CodeableConcept => concept([{ system: LOINC, code }], text);

/** Observation and report codes by meaning (shared and frozen). Local codes: see {@link localConcepts}. */
export const CODES = {
  heartRate: loinc('8867-4', 'Heart rate'),
  restingHeartRate: loinc('40443-4', 'Resting heart rate'),
  steps: loinc('55423-8', 'Number of steps'),
  dailySteps: loinc('41950-7', 'Number of steps in 24 hours'),
  weight: loinc('29463-7', 'Body weight'),
  bodyFat: loinc('41982-0', 'Body fat percentage'),
  bloodPressure: loinc('85354-9', 'Blood pressure'),
  systolic: loinc('8480-6', 'Systolic blood pressure'),
  diastolic: loinc('8462-4', 'Diastolic blood pressure'),
  bodyTemperature: loinc('8310-5', 'Body temperature'),
  skinTemperature: loinc('39106-0', 'Skin temperature'),
  spo2: concept(
    [
      { system: LOINC, code: '2708-6' },
      { system: LOINC, code: '59408-5' },
    ],
    'Oxygen saturation by pulse oximetry',
  ),
  rrIntervals: loinc('8637-1', 'R-R intervals'),
  hrvSdnn: loinc('80404-7', 'Heart rate variability (SDNN)'),
  sleepDuration: loinc('93832-4', 'Sleep duration'),
  deepSleep: loinc('93831-6', 'Deep sleep duration'),
  lightSleep: loinc('93830-8', 'Light sleep duration'),
  remSleep: loinc('93829-0', 'REM sleep duration'),
  ecgStudy: loinc('11524-6', 'EKG study'),
  ecgLeadI: concept([{ system: MDC_OID, code: '131329' }], 'ECG lead I'),
  ecgUnspecifiedLead: concept([{ system: MDC_OID, code: '131328' }], 'ECG electric potential'),
} as const;

export interface LocalConcepts {
  readonly hrvRmssd: CodeableConcept;
  readonly awake: CodeableConcept;
}

/**
 * The concepts of our own `ohe-observation` code system, which depend on the deployment's identifier base.
 * @param identifierBase - the deployment's identifier base, without a trailing slash
 */
export function localConcepts(identifierBase: string): LocalConcepts {
  const system = localCodeSystem(identifierBase, 'ohe-observation');
  return {
    hrvRmssd: concept([{ system, code: 'hrv-rmssd' }], 'Heart rate variability (RMSSD)'),
    awake: concept([{ system, code: 'sleep-awake' }], 'Awake duration'),
  };
}

export type Statistic = 'average' | 'minimum' | 'maximum' | 'count' | 'sum';

export const STATISTICS: Readonly<Record<Statistic, CodeableConcept>> = frozen({
  average: { coding: [{ system: OBSERVATION_STATISTICS, code: 'average' }] },
  minimum: { coding: [{ system: OBSERVATION_STATISTICS, code: 'minimum' }] },
  maximum: { coding: [{ system: OBSERVATION_STATISTICS, code: 'maximum' }] },
  count: { coding: [{ system: OBSERVATION_STATISTICS, code: 'count' }] },
  sum: { coding: [{ system: OBSERVATION_STATISTICS, code: 'sum' }] },
});
