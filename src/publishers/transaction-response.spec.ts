import { describe, expect, it } from 'vitest';
import { device, heartRate } from '../../test/e2e/fhir-publisher.fixtures.js';
import { buildTransactionBundles } from './bundle-builder.js';
import { FhirPermanentError } from './fhir-errors.js';
import { readTransactionResponse } from './transaction-response.js';

const scale = device('d1');
const [request] = buildTransactionBundles([scale, heartRate('m1', { device: scale.fullUrl })], {
  batchSize: 10,
  writeMode: 'conditional-update',
});
request!.entry!.push(
  ...(buildTransactionBundles([heartRate('m2')], { batchSize: 10, writeMode: 'conditional-update' })[0]
    ?.entry ?? []),
);

const answer = (...statuses: string[]): unknown => ({
  resourceType: 'Bundle',
  type: 'transaction-response',
  entry: statuses.map((status, i) => ({ response: { status, location: `Observation/${i}/_history/1` } })),
});

describe(readTransactionResponse.name, () => {
  it('should read created, updated and unchanged entries in request order', () => {
    expect(readTransactionResponse(request!, answer('200 OK', '201 Created', '200'))).toEqual([
      {
        resourceType: 'Device',
        operation: 'conditional-create',
        outcome: 'unchanged',
        location: 'Observation/0',
      },
      {
        resourceType: 'Observation',
        operation: 'conditional-update',
        outcome: 'created',
        location: 'Observation/1',
      },
      {
        resourceType: 'Observation',
        operation: 'conditional-update',
        outcome: 'updated',
        location: 'Observation/2',
      },
    ]);
  });

  it('should refuse a response that does not answer entry for entry', () => {
    expect(() => readTransactionResponse(request!, answer('201'))).toThrow(FhirPermanentError);
    expect(() => readTransactionResponse(request!, { resourceType: 'OperationOutcome' })).toThrow(
      'Unexpected transaction response: expected a transaction-response with 3 entries',
    );
    expect(() => readTransactionResponse(request!, null)).toThrow(FhirPermanentError);
  });

  it('should refuse an entry whose status is not a success', () => {
    expect(() => readTransactionResponse(request!, answer('201', '400 Bad Request', '200'))).toThrow(
      'Unexpected transaction response: entry 1 has status 400 Bad Request',
    );
  });
});
