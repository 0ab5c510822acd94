import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DataType } from '../../src/common/domain/data-type.js';
import type { NormalizedRecord } from '../../src/common/domain/records.js';
import { RedisService } from '../../src/common/redis/redis.service.js';
import { ResilienceModule } from '../../src/common/resilience/resilience.module.js';
import { loadConfig } from '../../src/config/app-config.js';
import { InvalidTokenError, ProviderCallError } from '../../src/ingestors/auth/provider-auth.js';
import type { ProviderDataContext } from '../../src/ingestors/data/provider-data.js';
import {
  GoogleHealthDataClient,
  MAX_PAGES,
} from '../../src/ingestors/google-health/google-health-data.client.js';
import { filterFor, GoogleHealthData } from '../../src/ingestors/google-health/google-health.data.js';
import type { GoogleDataType } from '../../src/ingestors/google-health/google-health.records.js';
import { ProviderGate, ProviderRateLimitedError } from '../../src/ingestors/resilience/provider-gate.js';
import { ProviderResilienceModule } from '../../src/ingestors/resilience/provider-resilience.module.js';
import { GoogleHealthSimulator } from '../simulators/google-health/google-health-simulator.js';
import { CLIENT, link } from '../simulators/google-health/test-flow.js';
import { uniqueRedisPrefix } from '../support/app.js';
import { RedisClients } from '../support/redis-clients.js';
import { TEST_REDIS_URL } from '../support/test-env.js';

const NOW = Date.parse('2026-11-22T08:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SCOPES = ['activity_and_fitness', 'health_metrics_and_measurements', 'sleep', 'ecg', 'settings']
  .map((s) => `https://www.googleapis.com/auth/googlehealth.${s}.readonly`)
  .join(' ');
const ALL: DataType[] = [
  'heart_rate',
  'resting_heart_rate',
  'steps',
  'hrv',
  'spo2',
  'weight',
  'body_fat',
  'sleep',
  'ecg',
];
const patient = { ehrUserId: 'ehr-1', fhirPatientId: 'pat-1' };
const twoDays = { start: new Date(NOW - 2 * DAY), end: new Date(NOW) };

type Wire = Record<string, unknown>;
/** One union member of a wire point (`steps`, `heartRate`), as a plain record. */
const at = (p: Wire | undefined, field: string): Record<string, unknown> =>
  (p?.[field] ?? {}) as Record<string, unknown>;
const iso = (v: unknown): string => new Date(String(v)).toISOString();
const ofType = <T extends NormalizedRecord['type']>(records: NormalizedRecord[], type: T) =>
  records.filter((r): r is Extract<NormalizedRecord, { type: T }> => r.type === type);

describe('GoogleHealthData against the Google Health simulator', () => {
  const redis = new RedisClients();
  let sim: GoogleHealthSimulator;
  let moduleRef: TestingModule;
  let data: GoogleHealthData;
  let userId: string;
  let ctx: ProviderDataContext;

  const contextFor = (healthUserId: string, token: string): ProviderDataContext => ({
    linkId: 1,
    externalUserId: healthUserId,
    patient,
    withToken: (call) => call(token),
  });
  const newUser = async (): Promise<ProviderDataContext> => {
    const { healthUserId } = sim.addUser();
    return contextFor(healthUserId, (await link(sim, healthUserId, { scope: SCOPES })).access_token);
  };
  const expected = (type: string, window = twoDays) =>
    sim.expectedPoints(userId, type, filterFor(type as GoogleDataType, window)) as Wire[];

  beforeEach(async () => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    sim = await GoogleHealthSimulator.start({
      clientId: CLIENT.client_id,
      clientSecret: CLIENT.client_secret,
      now: () => NOW,
    });
    ctx = await newUser();
    userId = ctx.externalUserId;
    const prefix = uniqueRedisPrefix();
    const client = await redis.connect();
    moduleRef = await Test.createTestingModule({ imports: [ResilienceModule, ProviderResilienceModule] })
      .useMocker((token) =>
        token === RedisService
          ? { client, key: (...parts: string[]) => [prefix, ...parts].join(':') }
          : undefined,
      )
      .compile();
    const config = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
      REDIS_URL: TEST_REDIS_URL,
      GOOGLE_HEALTH_API_BASE_URL: sim.apiBaseUrl,
      // Long enough for a loaded machine; the hanging-call case waits it out once.
      TOKEN_CALL_TIMEOUT_MS: '1500',
    });
    data = new GoogleHealthData(new GoogleHealthDataClient(config, moduleRef.get(ProviderGate)));
  });

  afterEach(async () => {
    await moduleRef.close();
    redis.closeAll();
    await sim.stop();
  });

  it('should turn every data type into records with exact values, units, ids, devices and offsets', async () => {
    const records = await data.fetch(ctx, ALL, twoDays);
    const devices = await data.listDevices(ctx);
    const tracker = {
      provider: 'fitbit',
      nativeId: devices.find((d) => d.kind === 'activity_tracker')?.nativeId,
    };
    const scale = { provider: 'fitbit', nativeId: devices.find((d) => d.kind === 'scale')?.nativeId };
    const common = { provider: 'fitbit', patient };

    const steps = expected('steps');
    expect(steps.length).toBeGreaterThan(500);
    expect(ofType(records, 'steps')).toEqual(
      steps.map((p) => ({
        ...common,
        type: 'steps',
        nativeId: p['name'],
        count: Number(at(p, 'steps')['count']),
        timing: {
          kind: 'period',
          start: iso(at(at(p, 'steps'), 'interval')['startTime']),
          end: iso(at(at(p, 'steps'), 'interval')['endTime']),
          offsetMinutes: 60,
        },
        device: tracker,
      })),
    );

    const sample = (p: Wire, field: string) => at(p, field)['sampleTime'] as Record<string, string>;
    const heart = expected('heart-rate');
    expect(heart).toHaveLength(2 * 288);
    expect(ofType(records, 'heart_rate')).toEqual(
      heart.map((p) => ({
        ...common,
        type: 'heart_rate',
        nativeId: `heart-rate:${iso(sample(p, 'heartRate')['physicalTime'])}`,
        bpm: Number(at(p, 'heartRate')['beatsPerMinute']),
        timing: { kind: 'instant', at: iso(sample(p, 'heartRate')['physicalTime']), offsetMinutes: 60 },
        device: tracker,
      })),
    );

    const hrv = ofType(records, 'hrv');
    const hrvPoints = expected('heart-rate-variability');
    const withSdnn = hrvPoints.filter(
      (p) => at(p, 'heartRateVariability')['standardDeviationMilliseconds'] !== undefined,
    );
    expect(withSdnn.length).toBeLessThan(hrvPoints.length);
    expect(hrv.filter((r) => r.metric === 'sdnn').map((r) => r.ms)).toEqual(
      withSdnn.map((p) => at(p, 'heartRateVariability')['standardDeviationMilliseconds']),
    );
    const dailyHrv = expected('daily-heart-rate-variability');
    expect(dailyHrv.length).toBeGreaterThanOrEqual(2);
    const [firstDaily] = dailyHrv;
    const date = at(firstDaily, 'dailyHeartRateVariability')['date'] as {
      year: number;
      month: number;
      day: number;
    };
    const ymd = `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
    expect(hrv).toContainEqual({
      ...common,
      type: 'hrv',
      metric: 'rmssd',
      ms: at(firstDaily, 'dailyHeartRateVariability')['averageHeartRateVariabilityMilliseconds'],
      nativeId: `daily-heart-rate-variability:${ymd}:rmssd`,
      // The wearer's +01:00 is known from the same day's samples: the civil day starts at 23:00Z.
      timing: {
        kind: 'period',
        start: new Date(Date.parse(`${ymd}T00:00:00Z`) - HOUR).toISOString(),
        end: new Date(Date.parse(`${ymd}T00:00:00Z`) + 23 * HOUR).toISOString(),
        offsetMinutes: 60,
      },
      device: tracker,
    });

    const spo2 = ofType(records, 'spo2');
    expect(spo2).toHaveLength(
      expected('oxygen-saturation').length + expected('daily-oxygen-saturation').length,
    );
    expect(spo2.every((r) => r.percent > 90 && r.percent <= 100)).toBe(true);

    const weights = expected('weight');
    expect(ofType(records, 'weight')).toEqual(
      weights.map((p) => ({
        ...common,
        type: 'weight',
        nativeId: p['name'],
        kg: (at(p, 'weight')['weightGrams'] as number) / 1000,
        timing: { kind: 'instant', at: iso(sample(p, 'weight')['physicalTime']), offsetMinutes: 60 },
        device: scale,
      })),
    );
    expect(ofType(records, 'body_fat').map((r) => r.percent)).toEqual(
      expected('body-fat').map((p) => at(p, 'bodyFat')['percentage']),
    );

    const sleeps = ofType(records, 'sleep');
    expect(sleeps).toHaveLength(2);
    for (const s of sleeps) {
      expect(s.nativeId).toMatch(/^users\/\d+\/dataTypes\/sleep\/dataPoints\/\d+$/);
      expect(s.device).toBeUndefined(); // reconcile merges sources: no dataSource
      const { deepMinutes = 0, lightMinutes = 0, remMinutes = 0, awakeMinutes = 0 } = s.stages ?? {};
      expect(deepMinutes + lightMinutes + remMinutes).toBe(s.asleepMinutes);
      const span = s.timing.kind === 'period' ? Date.parse(s.timing.end) - Date.parse(s.timing.start) : 0;
      expect(s.asleepMinutes + awakeMinutes).toBe(span / 60_000);
    }

    const rhr = ofType(records, 'resting_heart_rate');
    expect(rhr.map((r) => r.bpm)).toEqual(
      expected('daily-resting-heart-rate').map((p) =>
        Number(at(p, 'dailyRestingHeartRate')['beatsPerMinute']),
      ),
    );
    expect(records.every((r) => r.patient === patient && r.provider === 'fitbit')).toBe(true);
  });

  it('should read ECGs with their scaling over a longer window', async () => {
    const week = { start: new Date(NOW - 7 * DAY), end: new Date(NOW) };
    const ecgs = ofType(await data.fetch(ctx, ['ecg'], week), 'ecg');
    const points = expected('electrocardiogram', week);
    expect(ecgs.length).toBeGreaterThan(0);
    expect(ecgs).toHaveLength(points.length);
    const [first] = ecgs;
    const raw = at(points[0], 'electrocardiogram');
    expect(first).toMatchObject({
      nativeId: points[0]?.['name'],
      samplingFrequencyHz: 250,
      factor: 0.001,
      unit: 'mV',
      lead: 'I',
      heartRateBpm: Number(raw['beatsPerMinuteAvg']),
    });
    expect(first?.samples).toHaveLength(7500);
    expect(first?.samples).toEqual(raw['waveformSamples']);
  });

  it('should follow every page (sleep reconcile pages hold 25) and return identical records twice', async () => {
    const sixtyDays = { start: new Date(NOW - 60 * DAY), end: new Date(NOW) };
    const first = await data.fetch(ctx, ['sleep'], sixtyDays);
    expect(first).toHaveLength(60);
    expect(new Set(first.map((r) => r.nativeId)).size).toBe(60);
    expect(sim.dataCalls('sleep')).toBe(3);
    expect(await data.fetch(ctx, ['sleep'], sixtyDays)).toEqual(first);
    const steps = await data.fetch(ctx, ['steps', 'heart_rate'], twoDays);
    expect(await data.fetch(ctx, ['steps', 'heart_rate'], twoDays)).toEqual(steps);
  });

  it('should return a planted data point exactly', async () => {
    sim.addDataPoint(userId, 'weight', {
      name: `users/${userId}/dataTypes/weight/dataPoints/planted-1`,
      dataSource: { recordingMethod: 'MANUAL', platform: 'FITBIT' },
      weight: {
        weightGrams: 81234.5,
        sampleTime: { physicalTime: '2026-11-21T13:24:33.390135Z', utcOffset: '-18000s' },
      },
    });
    const records = await data.fetch(ctx, ['weight'], twoDays);
    expect(records).toContainEqual({
      provider: 'fitbit',
      patient,
      type: 'weight',
      nativeId: `users/${userId}/dataTypes/weight/dataPoints/planted-1`,
      kg: 81.2345,
      timing: { kind: 'instant', at: '2026-11-21T13:24:33.390Z', offsetMinutes: -300 },
    });
  });

  it('should map 429 to ProviderRateLimitedError with the Retry-After wait, and 503 to a retryable error', async () => {
    sim.failNextDataCalls(429, 1, 7);
    const limited = await data.fetch(ctx, ['steps'], twoDays).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ProviderRateLimitedError);
    expect((limited as ProviderRateLimitedError).retryAfterMs).toBe(7000);

    const other = await newUser();
    sim.failNextDataCalls(503);
    const down = await data.fetch(other, ['heart_rate'], twoDays).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(ProviderCallError);
    expect(down).not.toBeInstanceOf(ProviderRateLimitedError);
    expect((down as ProviderCallError).retryable).toBe(true);
    expect((down as Error).message).toBe('Google Health dataPoints.list:heart-rate: HTTP 503 UNAVAILABLE');
  });

  it("should answer the simulator's per-user quota with the rate-limit error", async () => {
    sim.setQuotaPerMinute(2);
    const limited = await data
      .fetch(ctx, ['steps', 'heart_rate', 'weight'], twoDays)
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ProviderRateLimitedError);
    expect((limited as ProviderRateLimitedError).retryAfterMs).toBeGreaterThan(0);
    expect(sim.dataCalls('weight')).toBe(1);
  });

  it('should stop after MAX_PAGES pages of a server that never stops paging, for good', async () => {
    let calls = 0;
    const endless = createServer((_req, res) => {
      calls++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ dataPoints: [], nextPageToken: `page-${calls}` }));
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    try {
      const config = loadConfig({
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
        REDIS_URL: TEST_REDIS_URL,
        GOOGLE_HEALTH_API_BASE_URL: `http://127.0.0.1:${(endless.address() as AddressInfo).port}`,
        GOOGLE_HEALTH_QUOTA_PER_MINUTE: '100000',
      });
      const client = new GoogleHealthDataClient(config, moduleRef.get(ProviderGate));
      const err = await client.list(ctx, 'steps', '').catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: false, message: expect.stringMatching(/more than 50 pages/) });
      expect(calls).toBe(MAX_PAGES);
    } finally {
      await new Promise((resolve) => endless.close(resolve));
    }
  });

  it('should give up on a hanging call at the timeout as retryable, and refuse other 4xx for good', async () => {
    sim.hangNextDataCalls();
    const hung = await data.fetch(ctx, ['steps'], twoDays).catch((e: unknown) => e);
    expect(hung).toBeInstanceOf(ProviderCallError);
    expect((hung as ProviderCallError).retryable).toBe(true);

    const { healthUserId } = sim.addUser();
    const narrow = contextFor(healthUserId, (await link(sim, healthUserId)).access_token); // steps + sleep only
    const refused = await data.fetch(narrow, ['weight'], twoDays).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderCallError);
    expect((refused as ProviderCallError).retryable).toBe(false);
    expect((refused as Error).message).toContain('HTTP 403 PERMISSION_DENIED');
    // Without the settings scope the device refs get a per-patient id, never the bare display name.
    const steps = ofType(await data.fetch(narrow, ['steps'], twoDays), 'steps');
    expect(steps[0]?.device).toEqual({
      provider: 'fitbit',
      nativeId: expect.stringMatching(/^unpaired-[0-9a-f]{32}$/) as string,
    });
  });

  it('should raise InvalidTokenError for an expired or revoked token', async () => {
    sim.advance(HOUR + 1000);
    await expect(data.fetch(ctx, ['steps'], twoDays)).rejects.toBeInstanceOf(InvalidTokenError);
    const other = await newUser();
    sim.revokeAccess(other.externalUserId);
    await expect(data.listDevices(other)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('should list the paired devices', async () => {
    const devices = await data.listDevices(ctx);
    const common = {
      provider: 'fitbit',
      manufacturer: 'Google',
      lastSyncAt: '2026-11-22T08:00:00.000Z',
      active: true,
    };
    const id = expect.stringMatching(/^\d+$/) as string;
    expect(devices).toEqual([
      {
        ...common,
        nativeId: id,
        kind: 'activity_tracker',
        model: 'Charge 6',
        batteryPercent: 74,
        batteryLevel: 'high',
      },
      { ...common, nativeId: id, kind: 'scale', model: 'Aria Air', batteryLevel: 'medium' },
    ]);
    const steps = ofType(await data.fetch(ctx, ['steps'], twoDays), 'steps');
    expect(steps[0]?.device?.nativeId).toBe(devices[0]?.nativeId);
  });
});
