import type { Bundle, FhirResource, Identifier, Observation, OperationOutcome } from 'fhir/r5.js';

/** What a spec sees of one HTTP exchange with the test server. */
export interface FhirResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/**
 * A deliberately thin HTTP client for the specs: real requests over loopback, JSON in and out, no retries, so
 * what the assertions see is exactly what the server sent. The body type is the caller's expectation (a cast).
 */
export async function fhirRequest<T = OperationOutcome>(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<FhirResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/fhir+json', ...options.headers };
  if (options.body !== undefined) {
    headers['Content-Type'] ??= 'application/fhir+json';
  }
  const response = await fetch(`${baseUrl}${path === '' ? '' : `/${path}`}`, {
    method,
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? undefined : JSON.parse(text)) as T,
  };
}

export const heartRate = (identifier: Identifier, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  identifier: [identifier],
  category: [
    {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }],
    },
  ],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: 'Patient/p-1' },
  effectiveDateTime: '2026-11-20T08:00:00Z',
  valueQuantity: { value: 62, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  ...extra,
});

export const MEAS_SYSTEM = 'urn:ohe:withings:meas';

export const entriesOf = <T extends FhirResource = FhirResource>(bundle: Bundle): T[] =>
  (bundle.entry ?? []).flatMap((e) => (e.resource === undefined ? [] : [e.resource as T]));

export const issueTexts = (outcome: OperationOutcome): string[] =>
  outcome.issue.map((i) => i.diagnostics ?? i.details?.text ?? '');
