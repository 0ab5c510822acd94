import { describe, expect, it } from 'vitest';
import { DATA_TYPES } from '../../common/domain/data-type.js';
import { FITBIT } from '../google-health/fitbit.descriptor.js';
import { WITHINGS } from '../withings/withings.descriptor.js';
import { ProviderRegistry } from './provider-registry.js';

describe(ProviderRegistry.name, () => {
  const registry = new ProviderRegistry();

  it('should list withings then fitbit', () => {
    expect(registry.types).toEqual(['withings', 'fitbit']);
    expect(registry.all()).toEqual([WITHINGS, FITBIT]);
  });

  it.each([
    ['withings', WITHINGS],
    ['fitbit', FITBIT],
  ])('should find %s', (type, descriptor) => {
    expect(registry.find(type)).toBe(descriptor);
  });

  it.each(['google', 'Withings', '', 'toString', '__proto__'])('should find nothing for %j', (type) => {
    expect(registry.find(type)).toBeUndefined();
  });

  it('should give each provider a distinct webhook path', () => {
    expect(registry.all().map((d) => d.webhookPath)).toEqual(['/webhooks/withings/', '/webhooks/fitbit/']);
  });

  it('should offer the union of data types, without duplicates, in the canonical order', () => {
    expect(registry.dataTypes()).toEqual([
      'heart_rate',
      'resting_heart_rate',
      'steps',
      'hrv',
      'ecg',
      'blood_pressure',
      'weight',
      'body_fat',
      'body_temperature',
      'spo2',
      'sleep',
    ]);
  });

  it('should order the union as DATA_TYPES does and include every provider type', () => {
    const offered = registry.dataTypes();
    expect(new Set(offered).size).toBe(offered.length);
    expect(offered).toEqual(DATA_TYPES.filter((t) => offered.includes(t)));
    for (const d of registry.all()) {
      expect(offered).toEqual(expect.arrayContaining([...d.dataTypes]));
    }
  });

  it('should return copies that callers cannot use to change the registry', () => {
    registry.types.pop();
    expect(registry.types).toEqual(['withings', 'fitbit']);
    expect(registry.all()).not.toBe(registry.all());
  });
});
