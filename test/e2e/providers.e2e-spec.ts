import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';

describe('providers API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should list the seeded providers as a paginated page', async () => {
    const res = await t.http().get('/api/base/providers/').expect(200);
    expect(res.body).toEqual({
      count: 2,
      next: null,
      previous: null,
      results: [
        { id: expect.any(Number), name: 'Withings', provider_type: 'withings', active: true },
        { id: expect.any(Number), name: 'Fitbit', provider_type: 'fitbit', active: true },
      ],
    });
  });

  it('should link to the next and previous pages with limit/offset', async () => {
    const first = await t.http().get('/api/base/providers/?limit=1').expect(200);
    expect(first.body.count).toBe(2);
    expect(first.body.results).toHaveLength(1);
    expect(first.body.results[0].provider_type).toBe('withings');
    expect(first.body.previous).toBeNull();
    const next = new URL(first.body.next as string);
    expect(next.pathname).toBe('/api/base/providers/');
    expect(Object.fromEntries(next.searchParams)).toEqual({ limit: '1', offset: '1' });

    const second = await t.http().get(`${next.pathname}${next.search}`).expect(200);
    expect(second.body.results[0].provider_type).toBe('fitbit');
    expect(second.body.next).toBeNull();
    expect(new URL(second.body.previous as string).searchParams.get('offset')).toBe('0');
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['offset=-1', 'offset'],
  ])('should reject %s with a 400 validation_error', async (query, field) => {
    const res = await t.http().get(`/api/base/providers/?${query}`).expect(400);
    expect(res.body).toMatchObject({ error: 'validation_error', message: 'Invalid request data' });
    expect(res.body.details[field]).toEqual([expect.any(String)]);
  });

  it('should return one provider by id, and 404 in the error shape for unknown or malformed ids', async () => {
    const list = await t.http().get('/api/base/providers/').expect(200);
    const withings = list.body.results[0] as { id: number };
    const one = await t.http().get(`/api/base/providers/${withings.id}/`).expect(200);
    expect(one.body).toEqual({ id: withings.id, name: 'Withings', provider_type: 'withings', active: true });

    for (const id of ['999999', 'abc', '1.5']) {
      const res = await t.http().get(`/api/base/providers/${id}/`).expect(404);
      expect(Object.keys(res.body).sort()).toEqual([
        'details',
        'error',
        'message',
        'request_id',
        'timestamp',
      ]);
      expect(res.body.error).toBe('not_found');
    }
  });

  it('should build capabilities from the provider registry and the sync schedule', async () => {
    const res = await t.http().get('/api/base/providers/capabilities/').expect(200);
    expect(res.body.supported_providers).toEqual(['withings', 'fitbit']);
    expect(res.body.supported_data_types).toEqual(
      expect.arrayContaining(['heart_rate', 'steps', 'hrv', 'ecg', 'blood_pressure', 'weight']),
    );
    expect(res.body.provider_data_types.fitbit).toContain('resting_heart_rate');
    expect(res.body.provider_data_types.withings).not.toContain('resting_heart_rate');
    expect(res.body.webhook_endpoints).toEqual({
      withings: '/webhooks/withings/',
      fitbit: '/webhooks/fitbit/',
    });
    expect(res.body.sync_frequencies).toMatchObject({
      real_time: 'Webhook-triggered (immediate)',
      daily: 'Daily at 06:00 UTC',
      weekly: 'Weekly on Sundays at 06:00 UTC',
    });
  });

  it('should serve the spec URLs with and without the trailing slash', async () => {
    await t.http().get('/api/base/providers').expect(200);
    await t.http().get('/api/base/providers/capabilities').expect(200);
  });
});
