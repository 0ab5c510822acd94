import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { close } from '../shared/http.js';
import { postForm } from '../shared/test-client.js';
import { withingsAccessToken } from './test-flow.js';
import { WithingsSimulator } from './withings-simulator.js';

const NOW = Date.parse('2026-11-20T16:00:00Z');
const NOW_S = NOW / 1000;

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function linkedUser(
  sim: WithingsSimulator,
  userid?: number,
): Promise<{ userid: number; token: string }> {
  const user = sim.addUser(userid === undefined ? {} : { userid });
  return { userid: user.userid, token: await withingsAccessToken(sim, user.userid) };
}

describe('WithingsSimulator data services', () => {
  let sim: WithingsSimulator;
  let token: string;
  let userid: number;
  const call = async (path: string, fields: Record<string, string>, bearer = token): Promise<Reply> => {
    const res = await postForm(`${sim.baseUrl}${path}`, fields, { authorization: `Bearer ${bearer}` });
    expect(res.status).toBe(200);
    return res.json as Reply;
  };

  beforeEach(async () => {
    sim = await WithingsSimulator.start({ now: () => NOW, appRequestsPerMinute: 30 });
    ({ userid, token } = await linkedUser(sim));
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('should page getmeas groups with the captured field set and filter by meastypes', async () => {
    const form = {
      action: 'getmeas',
      category: '1',
      startdate: String(NOW_S - 3 * 86_400),
      enddate: String(NOW_S),
    };
    const first = await call('/measure', form);
    expect(first.status).toBe(0);
    expect(first.body).toMatchObject({ more: 1, offset: 5, timezone: sim.userData(userid).timezone });
    const groups = first.body['measuregrps'] as Array<Record<string, unknown>>;
    expect(groups).toHaveLength(5);
    expect(Object.keys(groups[0] ?? {}).sort()).toEqual(
      [
        'attrib',
        'category',
        'comment',
        'created',
        'date',
        'deviceid',
        'grpid',
        'hash_deviceid',
        'measures',
        'model',
        'modelid',
        'modified',
      ].sort(),
    );
    const all: Array<Record<string, unknown>> = [...groups];
    let reply = first;
    while (reply.body['more'] === 1) {
      reply = await call('/measure', { ...form, offset: String(reply.body['offset']) });
      all.push(...(reply.body['measuregrps'] as Array<Record<string, unknown>>));
    }
    expect(new Set(all.map((g) => g['grpid'])).size).toBe(all.length);
    const bp = await call('/measure', { ...form, meastypes: '9,10' });
    const measures = (bp.body['measuregrps'] as Array<{ measures: Array<{ type: number }> }>).flatMap(
      (g) => g.measures,
    );
    expect(new Set(measures.map((m) => m.type))).toEqual(new Set([9, 10]));
  });

  it('should generate identical data for the same seed and user, different data for another seed', async () => {
    const other = await WithingsSimulator.start({ now: () => NOW });
    const reseeded = await WithingsSimulator.start({ now: () => NOW, dataSeed: 'another' });
    try {
      const form = { action: 'getmeas', startdate: String(NOW_S - 86_400), enddate: String(NOW_S) };
      const a = await call('/measure', form);
      const b = await postForm(`${other.baseUrl}/measure`, form, {
        authorization: `Bearer ${(await linkedUser(other, userid)).token}`,
      });
      const c = await postForm(`${reseeded.baseUrl}/measure`, form, {
        authorization: `Bearer ${(await linkedUser(reseeded, userid)).token}`,
      });
      expect((b.json as Reply).body['measuregrps']).toEqual(a.body['measuregrps']);
      expect((c.json as Reply).body['measuregrps']).not.toEqual(a.body['measuregrps']);
    } finally {
      await Promise.all([other.stop(), reseeded.stop()]);
    }
  });

  it('should serve intraday ≤ 24 h, ECG waveforms, sleep summaries, activity and devices', async () => {
    const intraday = await call('/v2/measure', {
      action: 'getintradayactivity',
      startdate: String(NOW_S - 86_400),
      enddate: String(NOW_S),
    });
    const series = intraday.body['series'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(series).length).toBe(144);
    expect(Object.values(series).every((e) => typeof e['heart_rate'] === 'number')).toBe(true);
    expect(
      (
        await call('/v2/measure', {
          action: 'getintradayactivity',
          startdate: String(NOW_S - 86_401),
          enddate: String(NOW_S),
        })
      ).status,
    ).not.toBe(0);

    const list = await call('/v2/heart', {
      action: 'list',
      startdate: String(NOW_S - 6 * 86_400),
      enddate: String(NOW_S),
    });
    const ecgs = list.body['series'] as Array<{ ecg: { signalid: number } }>;
    expect(ecgs.length).toBeGreaterThan(0);
    const signal = await call('/v2/heart', { action: 'get', signalid: String(ecgs[0]?.ecg.signalid) });
    expect(signal.body).toMatchObject({ sampling_frequency: 300, wearposition: 1 });
    expect((signal.body['signal'] as number[]).length).toBe(9000);
    expect((await call('/v2/heart', { action: 'get', signalid: '1' })).status).not.toBe(0);

    const sleep = await call('/v2/sleep', {
      action: 'getsummary',
      startdateymd: '2026-11-18',
      enddateymd: '2026-11-20',
    });
    expect(sleep.body['series']).toHaveLength(3);
    expect((await call('/v2/sleep', { action: 'getsummary' })).status).not.toBe(0);
    const activity = await call('/v2/measure', {
      action: 'getactivity',
      startdateymd: '2026-11-15',
      enddateymd: '2026-11-20',
    });
    expect(activity.body).toMatchObject({ more: true, offset: 3 });
    const devices = await call('/v2/user', { action: 'getdevice' });
    expect((devices.body['devices'] as unknown[]).length).toBe(5);
    expect((await call('/v2/user', { action: 'getdevice' }, 'nope')).status).toBe(401);
  });

  it('should answer 601 above the per-minute application budget, and count data calls per action', async () => {
    // The token exchange spent one request of this minute's 30.
    for (let i = 0; i < 29; i += 1) {
      expect((await call('/v2/user', { action: 'getdevice' })).status).toBe(0);
    }
    expect((await call('/v2/user', { action: 'getdevice' })).status).toBe(601);
    sim.advance(60_000);
    expect((await call('/v2/user', { action: 'getdevice' })).status).toBe(0);
    expect(sim.dataCalls('/v2/user getdevice')).toBe(30);
    sim.failNextData({ kind: 'http', status: 503 }, 2);
    expect(
      (await postForm(`${sim.baseUrl}/measure`, { action: 'getmeas' }, { authorization: `Bearer ${token}` }))
        .status,
    ).toBe(503);
    expect(
      (await postForm(`${sim.baseUrl}/measure`, { action: 'getmeas' }, { authorization: `Bearer ${token}` }))
        .status,
    ).toBe(503);
    expect((await call('/measure', { action: 'getmeas' })).status).toBe(0);
    expect(sim.dataCalls('/measure getmeas')).toBe(3);
  });

  it('should deliver notifications form-encoded to every subscribed callback of the appli', async () => {
    const received: string[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.method === 'POST') {
          received.push(`${req.headers['content-type']}|${body}`);
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/withings/s3cr3t`;
    try {
      expect((await call('/notify', { action: 'subscribe', callbackurl: url, appli: '1' })).status).toBe(0);
      const sent = await sim.notifySubscribers(userid, 1, { startdate: NOW_S - 60, enddate: NOW_S });
      expect(sent).toEqual([{ callbackurl: url, status: 200 }]);
      expect(await sim.notifySubscribers(userid, 4, { startdate: NOW_S - 60, enddate: NOW_S })).toEqual([]);
      expect(await sim.sendNotification(url, { userid, appli: 46, action: 'unlink' })).toBe(200);
      expect(received).toEqual([
        `application/x-www-form-urlencoded|userid=${userid}&appli=1&startdate=${NOW_S - 60}&enddate=${NOW_S}`,
        `application/x-www-form-urlencoded|userid=${userid}&appli=46&action=unlink`,
      ]);
    } finally {
      await close(server);
    }
  });
});
