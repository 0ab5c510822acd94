/**
 * The checks a JupyterHealth Exchange applies to the Open mHealth payload of an Observation, reduced to what the
 * simulator needs to reject what JHE would reject: the data point header, and each supported body schema's
 * required fields and units (JHE validates against the OMH/IEEE 1752 JSON schemas).
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function unitValue(body: Json, field: string, units: readonly string[]): string | undefined {
  const uv = body[field];
  if (!isObject(uv) || typeof uv['value'] !== 'number' || typeof uv['unit'] !== 'string') {
    return `${field} must be a {value, unit} object`;
  }
  return units.includes(uv['unit']) ? undefined : `${field}.unit must be one of ${units.join(', ')}`;
}

function timeFrame(body: Json, intervalOnly: boolean): string | undefined {
  const tf = body['effective_time_frame'];
  if (!isObject(tf)) {
    return 'effective_time_frame is required';
  }
  const interval = tf['time_interval'];
  if (isObject(interval)) {
    const ok = ['start_date_time', 'end_date_time'].every((k) => typeof interval[k] === 'string');
    return ok ? undefined : 'time_interval needs start_date_time and end_date_time';
  }
  if (intervalOnly) {
    return 'effective_time_frame must be a time_interval';
  }
  return typeof tf['date_time'] === 'string'
    ? undefined
    : 'effective_time_frame needs date_time or time_interval';
}

const BODY_CHECKS: Readonly<Record<string, (body: Json) => string | undefined>> = {
  'omh:heart-rate:2.0': (b) => unitValue(b, 'heart_rate', ['beats/min']) ?? timeFrame(b, false),
  'omh:step-count:3.0': (b) => unitValue(b, 'step_count', ['steps']) ?? timeFrame(b, true),
  'omh:oxygen-saturation:2.0': (b) => unitValue(b, 'oxygen_saturation', ['%']) ?? timeFrame(b, false),
  'omh:body-weight:3.0': (b) => unitValue(b, 'body_weight', ['kg', 'g', 'lb', 'oz']) ?? timeFrame(b, false),
  'omh:body-temperature:4.0': (b) => unitValue(b, 'body_temperature', ['C', 'F', 'K']) ?? timeFrame(b, false),
  'omh:blood-pressure:4.0': (b) =>
    unitValue(b, 'systolic_blood_pressure', ['mmHg']) ??
    unitValue(b, 'diastolic_blood_pressure', ['mmHg']) ??
    timeFrame(b, false),
  'omh:rr-interval:1.0': (b) => unitValue(b, 'rr_interval', ['ms']),
  'omh:sleep-duration:2.0': (b) => unitValue(b, 'sleep_duration', ['sec', 'min', 'h']) ?? timeFrame(b, true),
};

export const SUPPORTED_OMH_CODES = Object.keys(BODY_CHECKS);

/** The reason a decoded data point would be refused, or undefined when JHE would store it. */
export function omhProblem(code: string, dataPoint: unknown): string | undefined {
  const check = BODY_CHECKS[code];
  if (check === undefined) {
    return `Code not found: system=https://w3id.org/openmhealth code=${code}`;
  }
  if (!isObject(dataPoint) || !isObject(dataPoint['header']) || !isObject(dataPoint['body'])) {
    return 'valueAttachment.data must decode to an Open mHealth data point {header, body}';
  }
  const header = dataPoint['header'];
  const schemaId = header['schema_id'];
  if (
    typeof header['uuid'] !== 'string' ||
    !isObject(schemaId) ||
    typeof header['source_creation_date_time'] !== 'string'
  ) {
    return 'header needs uuid, schema_id and source_creation_date_time';
  }
  if (
    `${String(schemaId['namespace'])}:${String(schemaId['name'])}:${String(schemaId['version'])}` !== code
  ) {
    return `header.schema_id does not match the Observation code ${code}`;
  }
  return check(dataPoint['body']);
}
