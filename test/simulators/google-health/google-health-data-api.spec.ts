import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GoogleHealthSimulator } from './google-health-simulator.js';
import { CLIENT, link } from './test-flow.js';

const NOW = Date.parse('2026-11-22T08:00:00Z');
const SCOPES = ['activity_and_fitness', 'health_metrics_and_measurements', 'sleep', 'ecg', 'settings']
  .map((s) => `https://www.googleapis.com/auth/googlehealth.${s}.readonly`)
  .join(' ');
const DAY_FILTER = (snake: string, field: string) =>
  `${snake}.${field} >= "2026-11-21T00:00:00Z" AND ${snake}.${field} < "2026-11-22T00:00:00Z"`;

type Body = {
  dataPoints?: Record<string, unknown>[];
  pairedDevices?: { name: string }[];
  nextPageToken?: string;
};
type RpcError = { error: { code: number; status: string; message: string } };

describe('GoogleHealthSimulator data endpoints', () => {
  let sim: GoogleHealthSimulator;
  let user: string;
  let token: string;

  const get = async (path: string, params: Record<string, string> = {}, bearer = token) => {
    const url = new URL(`${sim.apiBaseUrl}/v4/users/me/${path}`);
    for (const [k, v] of Object.entries(params)) {
      url.searchParams.set(k, v);
    }
    const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as Body & RpcError,
    };
  };

  beforeEach(async () => {
    sim = await GoogleHealthSimulator.start({
      clientId: CLIENT.client_id,
      clientSecret: CLIENT.client_secret,
      now: () => NOW,
    });
    user = sim.addUser({ utcOffsetSeconds: 3600 }).healthUserId;
    token = (await link(sim, user, { scope: SCOPES })).access_token;
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('should list steps newest first with int64 strings, offsets as durations and civil times', async () => {
    const { status, body } = await get('dataTypes/steps/dataPoints', {
      filter: DAY_FILTER('steps', 'interval.start_time'),
    });
    expect(status).toBe(200);
    expect(body.nextPageToken).toBeUndefined();
    const points = body.dataPoints ?? [];
    expect(points.length).toBeGreaterThan(300);
    const [first] = points as { steps: { count: string; interval: Record<string, unknown> } }[];
    expect(first?.steps.count).toMatch(/^\d+$/);
    expect(first?.steps.interval).toMatchObject({ startUtcOffset: '3600s', endUtcOffset: '3600s' });
    const starts = points.map((p) =>
      Date.parse((p['steps'] as { interval: { startTime: string } }).interval.startTime),
    );
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(Date.parse('2026-11-21T00:00:00Z'));
    // The same question always gets the same answer.
    expect(
      (await get('dataTypes/steps/dataPoints', { filter: DAY_FILTER('steps', 'interval.start_time') })).body,
    ).toEqual(body);
  });

  it('should page with opaque tokens tied to the query and coerce page sizes to the maximum', async () => {
    const filter = DAY_FILTER('heart_rate', 'sample_time.physical_time');
    const all = (await get('dataTypes/heart-rate/dataPoints', { filter })).body.dataPoints ?? [];
    expect(all).toHaveLength(288);
    const first = await get('dataTypes/heart-rate/dataPoints', { filter, pageSize: '200' });
    expect(first.body.dataPoints).toHaveLength(200);
    const second = await get('dataTypes/heart-rate/dataPoints', {
      filter,
      pageSize: '200',
      pageToken: first.body.nextPageToken ?? '',
    });
    expect(second.body.nextPageToken).toBeUndefined();
    expect([...(first.body.dataPoints ?? []), ...(second.body.dataPoints ?? [])]).toEqual(all);
    const foreign = await get('dataTypes/steps/dataPoints', {
      filter: DAY_FILTER('steps', 'interval.start_time'),
      pageToken: first.body.nextPageToken ?? '',
    });
    expect(foreign.status).toBe(400);
    const sleeps = await get('dataTypes/sleep/dataPoints:reconcile', { pageSize: '500' });
    expect(sleeps.body.dataPoints).toHaveLength(25);
    expect(sleeps.body.nextPageToken).toBeDefined();
  });

  it('should answer reconcile with dataPointName and no dataSource, and refuse what Google refuses', async () => {
    const filter = DAY_FILTER('sleep', 'interval.end_time');
    const [night] = (await get('dataTypes/sleep/dataPoints:reconcile', { filter })).body.dataPoints ?? [];
    expect(night?.['dataPointName']).toMatch(/^users\/\d+\/dataTypes\/sleep\/dataPoints\/\d+$/);
    expect(night?.['name']).toBeUndefined();
    expect(night?.['dataSource']).toBeUndefined();
    expect(night?.['sleep']).toMatchObject({
      type: 'STAGES',
      summary: { minutesAsleep: expect.stringMatching(/^\d+$/) },
    });

    const refusals: [string, Record<string, string>][] = [
      ['dataTypes/sleep/dataPoints', { dataSourceFamily: 'users/me/dataSourceFamilies/all-sources' }],
      ['dataTypes/electrocardiogram/dataPoints:reconcile', {}],
      [
        'dataTypes/electrocardiogram/dataPoints',
        { filter: 'electrocardiogram.interval.start_time < "2026-11-21T00:00:00Z"' },
      ],
      ['dataTypes/steps/dataPoints', { filter: 'steps.sample_time.physical_time >= "2026-11-21T00:00:00Z"' }],
      ['dataTypes/steps/dataPoints', { filter: 'heart_rate.interval.start_time >= "2026-11-21T00:00:00Z"' }],
      ['dataTypes/steps/dataPoints', { filter: 'steps.interval.start_time >= "yesterday"' }],
      [
        'dataTypes/steps/dataPoints',
        { filter: DAY_FILTER('steps', 'interval.start_time').replace('AND', 'OR') },
      ],
      ['dataTypes/blood-pressure/dataPoints', {}],
      ['dataTypes/steps/dataPoints', { pageSize: '-1' }],
    ];
    for (const [path, params] of refusals) {
      const res = await get(path, params);
      expect([path, res.status, res.body.error.status]).toEqual([path, 400, 'INVALID_ARGUMENT']);
    }
    expect((await get('dataTypes/distance/dataPoints')).body).toEqual({ dataPoints: [] });
  });

  it('should filter daily types by date and sleep by OR of end-time ranges', async () => {
    const daily = await get('dataTypes/daily-resting-heart-rate/dataPoints', {
      filter:
        'daily_resting_heart_rate.date >= "2026-11-19" AND daily_resting_heart_rate.date < "2026-11-21"',
    });
    expect(daily.body.dataPoints?.map((p) => (p['dailyRestingHeartRate'] as { date: unknown }).date)).toEqual(
      [
        { year: 2026, month: 11, day: 20 },
        { year: 2026, month: 11, day: 19 },
      ],
    );
    const either = await get('dataTypes/sleep/dataPoints:reconcile', {
      filter:
        'sleep.interval.civil_end_time >= "2026-11-21" AND sleep.interval.civil_end_time < "2026-11-22" OR ' +
        'sleep.interval.end_time >= "2026-11-18T00:00:00Z" AND sleep.interval.end_time < "2026-11-19T00:00:00Z"',
    });
    expect(either.body.dataPoints).toHaveLength(2);
  });

  it('should serve planted points as given and pair devices with paging and lookup', async () => {
    const point = {
      name: `users/${user}/dataTypes/weight/dataPoints/mine`,
      weight: { weightGrams: 70000, sampleTime: { physicalTime: '2026-11-21T12:00:00Z', utcOffset: '0s' } },
    };
    sim.addDataPoint(user, 'weight', point);
    const weights = await get('dataTypes/weight/dataPoints', {
      filter: DAY_FILTER('weight', 'sample_time.physical_time'),
    });
    expect(weights.body.dataPoints).toContainEqual(point);

    const page = await get('pairedDevices', { pageSize: '1' });
    expect(page.body.pairedDevices).toEqual([
      expect.objectContaining({
        deviceType: 'TRACKER',
        deviceVersion: 'Charge 6',
        batteryLevel: 74,
        batteryStatus: 'High',
      }),
    ]);
    const rest = await get('pairedDevices', { pageToken: page.body.nextPageToken ?? '' });
    expect(rest.body.pairedDevices).toEqual([expect.objectContaining({ deviceType: 'SCALE' })]);
    const id = page.body.pairedDevices?.[0]?.name.split('/').pop() ?? '';
    expect((await get(`pairedDevices/${id}`)).body).toEqual(page.body.pairedDevices?.[0]);
    expect((await get('pairedDevices/0')).status).toBe(404);
  });

  it('should inject faults, enforce the per-user quota and count calls per data type', async () => {
    sim.failNextDataCalls(429, 1, 9);
    const limited = await get('dataTypes/steps/dataPoints');
    expect([limited.status, limited.retryAfter, limited.body.error.status]).toEqual([
      429,
      '9',
      'RESOURCE_EXHAUSTED',
    ]);
    sim.failNextDataCalls(500, 2);
    expect((await get('dataTypes/steps/dataPoints')).body.error.status).toBe('INTERNAL');
    expect((await get('pairedDevices')).status).toBe(500);
    sim.setQuotaPerMinute(1);
    expect((await get('dataTypes/weight/dataPoints')).status).toBe(200);
    const over = await get('dataTypes/weight/dataPoints');
    expect(over.status).toBe(429);
    expect(Number(over.retryAfter)).toBeGreaterThan(0);
    expect([sim.dataCalls('steps'), sim.dataCalls('weight'), sim.dataCalls('pairedDevices')]).toEqual([
      2, 2, 1,
    ]);
  });

  it('should refuse expired tokens, revoked grants and missing scopes', async () => {
    const narrow = (await link(sim, sim.addUser().healthUserId)).access_token; // steps + sleep scopes only
    const denied = await get('dataTypes/weight/dataPoints', {}, narrow);
    expect([denied.status, denied.body.error.status]).toEqual([403, 'PERMISSION_DENIED']);
    sim.revokeAccess(user);
    expect((await get('dataTypes/steps/dataPoints')).status).toBe(401);
    sim.advance(3_600_000);
    const expired = await get('dataTypes/steps/dataPoints', {}, narrow);
    expect([expired.status, expired.body.error.message]).toEqual([
      401,
      'INVALID_AUTHENTICATOR: Token expired',
    ]);
  });
});
