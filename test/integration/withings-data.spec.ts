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
import { ProviderGate, ProviderRateLimitedError } from '../../src/ingestors/resilience/provider-gate.js';
import { ProviderResilienceModule } from '../../src/ingestors/resilience/provider-resilience.module.js';
import { WithingsData } from '../../src/ingestors/withings/withings.data.js';
import { uniqueRedisPrefix } from '../support/app.js';
import { RedisClients } from '../support/redis-clients.js';
import { TEST_REDIS_URL } from '../support/test-env.js';
import { zoneOffsetMinutes } from '../simulators/withings/data/profile.js';
import { postForm } from '../simulators/shared/test-client.js';
import { withingsAccessToken } from '../simulators/withings/test-flow.js';
import { WithingsSimulator } from '../simulators/withings/withings-simulator.js';

// 16:00Z keeps every simulated user's daily events (06:30–07:30 local scale, etc.) away from the window edges.
const NOW = Date.parse('2026-11-20T16:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const patient = { ehrUserId: 'ehr-1', fhirPatientId: 'pat-1' };
const ALL: DataType[] = [
  'heart_rate',
  'steps',
  'hrv',
  'ecg',
  'blood_pressure',
  'weight',
  'body_fat',
  'body_temperature',
  'spo2',
  'sleep',
];
const threeDays = { start: new Date(NOW - 3 * DAY), end: new Date(NOW) };

describe('WithingsData against the Withings simulator', () => {
  const redis = new RedisClients();
  let sim: WithingsSimulator;
  let moduleRef: TestingModule;
  let data: WithingsData;
  let userid: number;
  let ctx: ProviderDataContext;

  const withToken = (token: string): ProviderDataContext => ({
    linkId: 1,
    externalUserId: String(userid),
    patient,
    withToken: (call) => call(token),
  });
  const ofType = <T extends NormalizedRecord['type']>(records: NormalizedRecord[], type: T) =>
    records.filter((r): r is Extract<NormalizedRecord, { type: T }> => r.type === type);

  beforeEach(async () => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    sim = await WithingsSimulator.start({ now: () => NOW, hangMs: 5000 });
    ({ userid } = sim.addUser());
    ctx = withToken(await withingsAccessToken(sim, userid));

    // A fresh Redis prefix per test: quota penalties and breaker state from one test never leak into the next.
    const prefix = uniqueRedisPrefix();
    const client = await redis.connect();
    moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule, ProviderResilienceModule],
    })
      .useMocker((token) =>
        token === RedisService
          ? { client, key: (...parts: string[]) => [prefix, ...parts].join(':') }
          : undefined,
      )
      .compile();
    const config = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
      REDIS_URL: TEST_REDIS_URL,
      WITHINGS_API_BASE_URL: sim.baseUrl,
      TOKEN_CALL_TIMEOUT_MS: '300',
    });
    data = new WithingsData(config, moduleRef.get(ProviderGate));
  });

  afterEach(async () => {
    await moduleRef.close();
    redis.closeAll();
    await sim.stop();
  });

  it('should decode every data type with exact values, units, nativeIds, devices and local offsets', async () => {
    const profile = sim.userData(userid);
    const at = NOW - 5 * HOUR;
    const bp = sim.addMeasureGroup(userid, {
      date: at / 1000,
      measures: [
        { type: 10, value: 13200, unit: -2 },
        { type: 9, value: 84, unit: 0 },
        { type: 11, value: 71, unit: 0 },
      ],
    });
    const scale = sim.addMeasureGroup(userid, {
      date: at / 1000 + 60,
      measures: [
        { type: 1, value: 72450, unit: -3 },
        { type: 6, value: 21500, unit: -3 },
      ],
    });
    const temp = sim.addMeasureGroup(userid, {
      date: at / 1000 + 120,
      device: 'none',
      measures: [{ type: 71, value: 3690, unit: -2 }],
    });
    const records = await data.fetch(ctx, ALL, threeDays);
    const offset = zoneOffsetMinutes(profile.timezone, at);
    const instant = (ms: number) => ({
      kind: 'instant',
      at: new Date(ms).toISOString().replace('.000Z', 'Z'),
      offsetMinutes: zoneOffsetMinutes(profile.timezone, ms),
    });
    const common = { provider: 'withings', patient };

    expect(records).toContainEqual({
      ...common,
      type: 'blood_pressure',
      nativeId: `${bp.grpid}:bp`,
      timing: instant(at),
      device: { provider: 'withings', nativeId: profile.bpm.deviceid },
      systolicMmHg: 132,
      diastolicMmHg: 84,
      pulseBpm: 71,
    });
    expect(records).toContainEqual({
      ...common,
      type: 'weight',
      nativeId: `${scale.grpid}:1`,
      timing: instant(at + 60_000),
      device: { provider: 'withings', nativeId: profile.scale.deviceid },
      kg: 72.45,
    });
    expect(records).toContainEqual({
      ...common,
      type: 'body_fat',
      nativeId: `${scale.grpid}:6`,
      timing: instant(at + 60_000),
      device: { provider: 'withings', nativeId: profile.scale.deviceid },
      percent: 21.5,
    });
    expect(records).toContainEqual({
      ...common,
      type: 'body_temperature',
      nativeId: `${temp.grpid}:71`,
      timing: instant(at + 120_000),
      celsius: 36.9,
      site: 'body',
    });
    expect(offset).toBe(instant(at).offsetMinutes);

    // Every delivered type shows up from the generated history, inside the window, with plausible values.
    const types = new Set(records.map((r) => r.type));
    expect([...types].sort()).toEqual([...ALL].sort());
    for (const r of records) {
      const t = r.timing.kind === 'instant' ? Date.parse(r.timing.at) : Date.parse(r.timing.end);
      expect(t).toBeGreaterThanOrEqual(threeDays.start.getTime());
      expect(r.timing.kind === 'instant' ? t < NOW : Date.parse(r.timing.start) < NOW).toBe(true);
    }
    // Three local mornings in the window → three generated weights, plus the added one: every getmeas page read.
    expect(ofType(records, 'weight')).toHaveLength(4);
    expect(sim.dataCalls('/measure getmeas')).toBeGreaterThan(1);
    expect(ofType(records, 'weight').every((w) => w.kg >= 59 && w.kg <= 101)).toBe(true);
    expect(ofType(records, 'spo2').every((s) => s.percent >= 94 && s.percent <= 99)).toBe(true);
    expect(ofType(records, 'body_temperature').some((s) => s.site === 'skin')).toBe(true);
    expect(
      ofType(records, 'hrv')
        .map((h) => h.metric)
        .sort(),
    ).toContain('sdnn');

    const [ecg] = ofType(records, 'ecg');
    expect(ecg).toMatchObject({
      samplingFrequencyHz: 300,
      unit: 'uV',
      factor: 1,
      lead: 'I',
      device: { provider: 'withings', nativeId: profile.watch.deviceid },
    });
    expect(ecg?.samples).toHaveLength(9000);
    expect(ecg?.heartRateBpm).toBeGreaterThanOrEqual(58);
    expect(sim.dataCalls('/v2/heart get')).toBe(ofType(records, 'ecg').length);

    const daily = ofType(records, 'steps').filter((s) => s.nativeId.startsWith('activity:'));
    expect(daily.length).toBeGreaterThanOrEqual(3);
    for (const d of daily) {
      expect(d.timing.kind === 'period' && Date.parse(d.timing.end) - Date.parse(d.timing.start)).toBe(DAY);
      expect(
        d.timing.kind === 'period' && zoneOffsetMinutes(profile.timezone, Date.parse(d.timing.start)),
      ).toBe(d.timing.offsetMinutes);
    }
    for (const s of ofType(records, 'sleep')) {
      const st = s.stages ?? {};
      expect((st.deepMinutes ?? 0) + (st.lightMinutes ?? 0) + (st.remMinutes ?? 0)).toBeCloseTo(
        s.asleepMinutes,
        1,
      );
    }
    expect(ofType(records, 'sleep').length).toBeGreaterThanOrEqual(3);
  });

  it('should return identical records for the same window, every page and chunk fetched again', async () => {
    const first = await data.fetch(ctx, ALL, threeDays);
    const calls = sim.dataCalls();
    const second = await data.fetch(ctx, ALL, threeDays);
    expect(second).toEqual(first);
    expect(sim.dataCalls()).toBe(2 * calls);
    // 72 h of intraday data is asked in 24 h pieces; the simulator refuses a longer single request.
    expect(sim.dataCalls('/v2/measure getintradayactivity')).toBe(6);
    expect(data.maxWindowMs).toBe(DAY);
    const tooLong = await postForm(
      `${sim.baseUrl}/v2/measure`,
      { action: 'getintradayactivity', startdate: String(NOW / 1000 - 90_000), enddate: String(NOW / 1000) },
      { authorization: `Bearer ${await ctx.withToken((t) => Promise.resolve(t))}` },
    );
    expect(tooLong.json).toMatchObject({ status: 503 });
  });

  it('should call each endpoint only for the types asked for', async () => {
    const records = await data.fetch(ctx, ['weight', 'blood_pressure', 'rr_intervals'], {
      start: new Date(NOW - DAY),
      end: new Date(NOW),
    });
    expect(new Set(records.map((r) => r.type))).toEqual(new Set(['weight', 'blood_pressure']));
    expect(sim.dataCalls()).toBe(sim.dataCalls('/measure getmeas'));
    expect(data.dataTypes).not.toContain('rr_intervals');
  });

  it('should report Withings status 601 as ProviderRateLimitedError with a minute to wait', async () => {
    sim.failNextData({ kind: 'status', status: 601 });
    const err = await data.fetch(ctx, ['weight'], threeDays).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRateLimitedError);
    expect((err as ProviderRateLimitedError).retryAfterMs).toBe(60_000);
  });

  it.each([
    ['HTTP 503', { kind: 'http', status: 503 } as const, true],
    ['status 522', { kind: 'status', status: 522 } as const, true],
    ['status 524', { kind: 'status', status: 524 } as const, true],
    ['a hung request', { kind: 'hang' } as const, true],
    ['status 2554', { kind: 'status', status: 2554 } as const, false],
  ])('should report %s as a ProviderCallError (retryable %s)', async (_name, fault, retryable) => {
    sim.failNextData(fault);
    const err = await data.fetch(ctx, ['weight'], threeDays).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect(err).not.toBeInstanceOf(ProviderRateLimitedError);
    expect((err as ProviderCallError).retryable).toBe(retryable);
    expect((err as Error).message).toMatch(/HTTP 503|status 522|status 524|status 2554|timed out/);
  });

  it('should report a refused token as InvalidTokenError', async () => {
    await expect(data.fetch(withToken('0'.repeat(40)), ['weight'], threeDays)).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
    sim.revokeAccess(userid);
    await expect(data.listDevices(ctx)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('should list the devices with kinds, battery levels and last sync', async () => {
    const profile = sim.userData(userid);
    const devices = await data.listDevices(ctx);
    expect(devices.map((d) => [d.nativeId, d.kind])).toEqual([
      [profile.scale.deviceid, 'scale'],
      [profile.bpm.deviceid, 'blood_pressure_monitor'],
      [profile.watch.deviceid, 'activity_tracker'],
      [profile.thermometer.deviceid, 'thermometer'],
      [profile.sleepMat.deviceid, 'sleep_monitor'],
    ]);
    expect(devices[2]).toMatchObject({
      provider: 'withings',
      manufacturer: 'Withings',
      model: 'ScanWatch',
      modelNumber: '93',
      firmwareVersion: '2960',
      batteryLevel: profile.watch.battery,
      active: true,
    });
    expect(devices.every((d) => d.lastSyncAt !== undefined && Date.parse(d.lastSyncAt) <= NOW)).toBe(true);
  });
});
