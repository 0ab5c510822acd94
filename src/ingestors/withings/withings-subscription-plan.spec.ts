import { describe, expect, it } from 'vitest';
import { planWithingsRepair, WITHINGS_APPLIS } from './withings-subscription-plan.js';

const BASE = 'https://ohe.example/webhooks/withings/';
const ours = (url: string): boolean => url.startsWith(BASE);
const on = (url: string, applis: readonly number[]) => applis.map((appli) => ({ appli, callbackurl: url }));

describe('planWithingsRepair', () => {
  it('should add every appli for a user Withings has no subscription of', () => {
    const plan = planWithingsRepair([], `${BASE}new`, ours);
    expect(plan).toEqual({ added: WITHINGS_APPLIS.map(String), replaced: [], removed: [], revoke: [] });
  });

  it('should change nothing when every appli is on the current URL', () => {
    const plan = planWithingsRepair(on(`${BASE}new`, WITHINGS_APPLIS), `${BASE}new`, ours);
    expect(plan).toEqual({ added: [], replaced: [], removed: [], revoke: [] });
  });

  it('should replace the applis on an old secret and remove old-secret applis no longer wanted', () => {
    const existing = [...on(`${BASE}old`, [1, 4, 50]), ...on(`${BASE}new`, [2])];
    const plan = planWithingsRepair(existing, `${BASE}new`, ours);
    expect(plan.replaced).toEqual(['1', '4']);
    expect(plan.added).toEqual(['16', '44', '46', '54', '62']);
    expect(plan.removed).toEqual(['50']);
    expect(plan.revoke).toEqual(on(`${BASE}old`, [1, 4, 50]));
  });

  it("should leave other applications' subscriptions of the same user alone", () => {
    const plan = planWithingsRepair(on('https://other.example/hook', [1]), `${BASE}new`, ours);
    expect(plan.revoke).toEqual([]);
    expect(plan.added).toContain('1');
  });
});
