import type { Observation } from 'fhir/r5.js';
import { describe, expect, it } from 'vitest';
import type { TransformedResource } from '../../transformers/transformed-resource.js';
import { FhirPermanentError } from '../fhir-errors.js';
import { buildJheBatches, readJheBatchResponse } from './jhe-batch.js';

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

  it('should read 201 as created, 409 as an earlier delivery and other statuses as refusals', () => {
    const response = {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: ['201 Created', '409 Conflict', '403 Forbidden', '422 Unprocessable Entity'].map((status) => ({
        response: { status },
      })),
    };
    expect(readJheBatchResponse(request, response)).toEqual(['created', 'unchanged', 'rejected', 'rejected']);
  });

  it.each([
    [{ resourceType: 'Bundle', type: 'transaction-response', entry: [] }],
    [{ resourceType: 'Bundle', type: 'batch-response', entry: [{ response: { status: '201' } }] }],
    [null],
  ])('should refuse a response that does not answer entry for entry: %j', (response) => {
    expect(() => readJheBatchResponse(request, response)).toThrow(FhirPermanentError);
  });
});
