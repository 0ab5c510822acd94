import type { Bundle } from 'fhir/r5.js';
import { describe, expect, it } from 'vitest';
import {
  device,
  deviceAssociation,
  ecgReport,
  fullUrlFor,
  heartRate,
  SYSTEM,
  syncBatch,
} from '../../test/e2e/fhir-publisher.fixtures.js';
import type { TransformedResource } from '../transformers/transformed-resource.js';
import { buildTransactionBundles, escapeSearchValue, identifierCondition } from './bundle-builder.js';
import { FhirPermanentError } from './fhir-errors.js';

const UPDATE = { batchSize: 100, writeMode: 'conditional-update' } as const;
const CREATE = { batchSize: 100, writeMode: 'conditional-create' } as const;

const urls = (bundle: Bundle | undefined): string[] => (bundle?.entry ?? []).map((e) => e.fullUrl ?? '');
const sizes = (bundles: Bundle[]): number[] => bundles.map((b) => b.entry?.length ?? 0);

/** A deterministic shuffle, so the order-independence test is itself reproducible. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 16807) % 2147483647;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe(buildTransactionBundles.name, () => {
  it('should upsert observations by conditional update and create devices conditionally in conditional-update mode', () => {
    const scale = device('d1');
    const hr = heartRate('m1', { device: scale.fullUrl });
    const [bundle] = buildTransactionBundles([hr, scale], UPDATE);
    expect(bundle).toEqual({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: scale.fullUrl,
          resource: scale.resource,
          request: { method: 'POST', url: 'Device', ifNoneExist: `identifier=${SYSTEM}/device|d1` },
        },
        {
          fullUrl: hr.fullUrl,
          resource: hr.resource,
          request: { method: 'PUT', url: `Observation?identifier=${SYSTEM}/heart_rate|m1` },
        },
      ],
    });
  });

  it('should create every resource conditionally in conditional-create mode', () => {
    const scale = device('d1');
    const bundles = buildTransactionBundles(
      [heartRate('m1'), ...ecgReport('e1'), scale, deviceAssociation('a1', scale.fullUrl)],
      CREATE,
    );
    const requests = bundles.flatMap((b) => b.entry ?? []).map((e) => e.request);
    expect(requests).toHaveLength(5);
    for (const request of requests) {
      expect(request?.method).toBe('POST');
      expect(request?.ifNoneExist).toMatch(/^identifier=https:\/\/ohe\.example\.org\//);
    }
  });

  it('should upsert diagnostic reports but only ever create device associations in conditional-update mode', () => {
    const scale = device('d1');
    const entries = buildTransactionBundles(
      [...ecgReport('e1'), deviceAssociation('a1', scale.fullUrl), scale],
      UPDATE,
    )
      .flatMap((b) => b.entry ?? [])
      .map((e) => [e.resource?.resourceType, e.request?.method]);
    expect(entries.sort()).toEqual([
      ['Device', 'POST'],
      ['DeviceAssociation', 'POST'],
      ['DiagnosticReport', 'PUT'],
      ['Observation', 'PUT'],
    ]);
  });

  it('should follow an explicit write intent over the defaults', () => {
    const scale = { ...device('d1'), write: 'upsert' as const };
    const ended = { ...deviceAssociation('a1', scale.fullUrl), write: 'upsert' as const };
    const placeholder = { ...heartRate('h1'), write: 'create-only' as const };
    for (const options of [UPDATE, CREATE]) {
      const methods = buildTransactionBundles([scale, ended, placeholder], options)
        .flatMap((b) => b.entry ?? [])
        .map((e) => [e.resource?.resourceType, e.request?.method]);
      expect(methods.sort()).toEqual([
        ['Device', 'PUT'],
        ['DeviceAssociation', 'PUT'],
        ['Observation', 'POST'],
      ]);
    }
  });

  it('should escape the FHIR search characters and URL-encode the condition', () => {
    expect(escapeSearchValue('a|b,c$d\\e')).toBe('a\\|b\\,c\\$d\\\\e');
    expect(identifierCondition({ system: 'https://x.org/id', value: 'u1:grp|7' })).toBe(
      'identifier=https://x.org/id|u1:grp\\|7',
    );
    expect(
      identifierCondition({ system: 'https://x.org/id', value: '2026-11-20T08:30:00+01:00 50%&a=b#c' }),
    ).toBe('identifier=https://x.org/id|2026-11-20T08:30:00%2B01:00%2050%25%26a%3Db%23c');
  });

  it('should use the escaped condition in both the update url and ifNoneExist', () => {
    const hr = heartRate('u1:grp|7');
    const [updated] = buildTransactionBundles([hr], UPDATE);
    const [created] = buildTransactionBundles([hr], CREATE);
    expect(updated?.entry?.[0]?.request?.url).toBe(`Observation?identifier=${SYSTEM}/heart_rate|u1:grp\\|7`);
    expect(created?.entry?.[0]?.request?.ifNoneExist).toBe(`identifier=${SYSTEM}/heart_rate|u1:grp\\|7`);
  });

  it('should split independent resources into bundles of at most the batch size', () => {
    const resources = Array.from({ length: 250 }, (_, i) => heartRate(`m${i}`));
    expect(sizes(buildTransactionBundles(resources, UPDATE))).toEqual([100, 100, 50]);
    expect(sizes(buildTransactionBundles(resources, { ...UPDATE, batchSize: 1000 }))).toEqual([250]);
    expect(sizes(buildTransactionBundles(resources.slice(0, 3), { ...UPDATE, batchSize: 1 }))).toEqual([
      1, 1, 1,
    ]);
  });

  it('should put a device into every bundle that holds a resource referencing it', () => {
    const batch = syncBatch('p', 10);
    const scaleUrl = batch[0]!.fullUrl;
    const bundles = buildTransactionBundles(batch, { ...UPDATE, batchSize: 4 });
    expect(sizes(bundles)).toEqual([4, 4, 4, 2]);
    for (const bundle of bundles) {
      expect(urls(bundle)[0]).toBe(scaleUrl);
      expect(urls(bundle).filter((u) => u === scaleUrl)).toHaveLength(1);
    }
    const observations = bundles.flatMap((b) => urls(b)).filter((u) => u !== scaleUrl);
    expect(new Set(observations).size).toBe(10);
  });

  it('should keep the resources of one group in the same bundle', () => {
    const resources = [...ecgReport('e1'), ...ecgReport('e2'), ...ecgReport('e3')];
    const bundles = buildTransactionBundles(resources, { ...UPDATE, batchSize: 3 });
    expect(sizes(bundles)).toEqual([2, 2, 2]);
    for (const bundle of bundles) {
      const [report, hr] = bundle.entry ?? [];
      expect(report?.resource?.resourceType).toBe('DiagnosticReport');
      expect(hr?.fullUrl).toBe(
        fullUrlFor(`${SYSTEM}/heart_rate`, `${report?.request?.url.split('|')[1]}:hr`),
      );
    }
  });

  it('should give a group larger than the batch size a bundle of its own rather than split it', () => {
    const scale = device('d1');
    const bundles = buildTransactionBundles([heartRate('m1'), ...ecgReport('e1', scale.fullUrl), scale], {
      ...UPDATE,
      batchSize: 2,
    });
    expect(bundles.map((b) => b.entry?.map((e) => e.resource?.resourceType))).toEqual([
      ['Observation'],
      ['Device', 'DiagnosticReport', 'Observation'],
    ]);
  });

  it('should keep resources linked by a urn:uuid reference together even without a group', () => {
    const first = heartRate('m1');
    const derived: TransformedResource = {
      ...heartRate('m2'),
      resource: { ...heartRate('m2').resource, derivedFrom: [{ reference: first.fullUrl }] },
    };
    const filler = Array.from({ length: 5 }, (_, i) => heartRate(`f${i}`));
    const bundles = buildTransactionBundles([derived, ...filler, first], { ...UPDATE, batchSize: 2 });
    const holding = bundles.find((b) => urls(b).includes(first.fullUrl));
    expect(urls(holding).sort()).toEqual([first.fullUrl, derived.fullUrl].sort());
  });

  it('should publish a device no resource references as an entry of its own', () => {
    const bundles = buildTransactionBundles([device('d1'), heartRate('m1')], { ...UPDATE, batchSize: 1 });
    expect(sizes(bundles)).toEqual([1, 1]);
    expect(
      bundles
        .flatMap((b) => b.entry ?? [])
        .map((e) => e.resource?.resourceType)
        .sort(),
    ).toEqual(['Device', 'Observation']);
  });

  it('should produce the same bundles for the same resources in any order', () => {
    const scale = device('d1');
    const resources = [
      ...syncBatch('a', 7),
      ...ecgReport('e1', scale.fullUrl),
      scale,
      deviceAssociation('a1', scale.fullUrl),
      ...Array.from({ length: 9 }, (_, i) => heartRate(`x${i}`)),
    ];
    const options = { ...UPDATE, batchSize: 5 };
    const expected = buildTransactionBundles(resources, options);
    expect(buildTransactionBundles(resources, options)).toEqual(expected);
    expect(buildTransactionBundles(shuffled(resources), options)).toEqual(expected);
    expect(buildTransactionBundles([...resources].reverse(), options)).toEqual(expected);
  });

  it('should send a resource given twice once, as its last version', () => {
    const bundles = buildTransactionBundles(
      [heartRate('m1', { value: 70 }), heartRate('m1', { value: 75 })],
      UPDATE,
    );
    expect(sizes(bundles)).toEqual([1]);
    expect(bundles[0]?.entry?.[0]?.resource).toMatchObject({ valueQuantity: { value: 75 } });
  });

  it('should refuse two resources that share an identifier under different fullUrls', () => {
    const hr = heartRate('m1');
    const twin = { ...hr, fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000000' };
    expect(() => buildTransactionBundles([hr, twin], UPDATE)).toThrow(FhirPermanentError);
  });

  it('should refuse a resource that does not carry its business identifier', () => {
    const hr = heartRate('m1');
    const bare = { ...hr, resource: { ...hr.resource, identifier: [] } };
    expect(() => buildTransactionBundles([bare], UPDATE)).toThrow(/does not carry its business identifier/);
  });

  it('should return no bundle for no resources and refuse a batch size below 1', () => {
    expect(buildTransactionBundles([], UPDATE)).toEqual([]);
    expect(() => buildTransactionBundles([heartRate('m1')], { ...UPDATE, batchSize: 0 })).toThrow(RangeError);
  });
});
