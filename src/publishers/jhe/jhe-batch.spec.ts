import type { Observation } from 'fhir/r5.js';
import { describe, expect, it } from 'vitest';
import type { TransformedResource } from '../../transformers/transformed-resource.js';
import { FhirPermanentError } from '../fhir-errors.js';
import { buildJheBatches, isJheRefusal, readJheBatchResponse } from './jhe-batch.js';

const obs = (n: number): TransformedResource<Observation> => ({
  fullUrl: `urn:uuid:00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
  identifier: { system: 'https://ohe.test/x', value: `u:${n}` },
  resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } },
});

describe(buildJheBatches.name, () => {
  it('should split into batches of plain POSTs of at most the batch size', () => {
    const bundles = buildJheBatches([1, 2, 3, 4, 5].map(obs), 2);
    expect(bundles.map((b) => b.entry?.length)).toEqual([2, 2, 1]);
    expect(bundles.every((b) => b.type === 'batch')).toBe(true);
    expect(bundles[0]?.entry?.[0]?.request).toEqual({ method: 'POST', url: 'Observation' });
  });
});

describe(readJheBatchResponse.name, () => {
  const request = buildJheBatches([1, 2, 3, 4].map(obs), 10)[0]!;

  const answered = (statuses: readonly (string | undefined)[]): unknown => ({
    resourceType: 'Bundle',
    type: 'batch-response',
    entry: statuses.map((status) => ({ response: status === undefined ? {} : { status } })),
  });

  it.each([
    ['201 Created', 'created'],
    ['200 OK', 'created'],
    ['201', 'created'],
    ['409 Conflict', 'unchanged'],
    ['403 Forbidden', 'consent_missing'],
    [' 403', 'consent_missing'],
    ['400 Bad Request', 'jhe_rejected'],
    ['404 Not Found', 'jhe_rejected'],
    ['422 Unprocessable Entity', 'jhe_rejected'],
    ['500 Internal Server Error', 'jhe_rejected'],
    ['Forbidden', 'jhe_rejected'],
    [undefined, 'jhe_rejected'],
  ])('should read an entry answered %j as %s', (status, outcome) => {
    const one = buildJheBatches([obs(1)], 10)[0]!;
    expect(readJheBatchResponse(one, answered([status]))).toEqual([outcome]);
  });

  it('should read each entry of a mixed answer on its own, in order', () => {
    const response = answered(['201 Created', '409 Conflict', '403 Forbidden', '422 Unprocessable Entity']);
    expect(readJheBatchResponse(request, response)).toEqual([
      'created',
      'unchanged',
      'consent_missing',
      'jhe_rejected',
    ]);
  });

  it.each([
    ['created', false],
    ['unchanged', false],
    ['consent_missing', true],
    ['jhe_rejected', true],
  ] as const)('should tell a refusal from a stored entry: %s', (outcome, refused) => {
    expect(isJheRefusal(outcome)).toBe(refused);
  });

  it.each([
    [{ resourceType: 'Bundle', type: 'transaction-response', entry: [] }],
    [{ resourceType: 'Bundle', type: 'batch-response', entry: [{ response: { status: '201' } }] }],
    [null],
  ])('should refuse a response that does not answer entry for entry: %j', (response) => {
    expect(() => readJheBatchResponse(request, response)).toThrow(FhirPermanentError);
  });
});
