import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleSubscriberClient } from './google-subscriber.client.js';

/** A stand-in for health.googleapis.com's subscribers collection, in the research's API shape (§4). */
describe(GoogleSubscriberClient.name, () => {
  let server: Server;
  let base: string;
  const subscribers: Record<string, unknown>[] = [];
  const calls: { method: string; url: string; auth: string | undefined; body: unknown }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
        calls.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
        const url = new URL(req.url ?? '', 'http://x');
        res.setHeader('content-type', 'application/json');
        if (req.method === 'GET') {
          res.end(JSON.stringify({ subscribers, totalSize: subscribers.length }));
        } else if (req.method === 'POST') {
          const sub = {
            ...body,
            name: `projects/123456789/subscribers/${url.searchParams.get('subscriberId')}`,
          };
          subscribers.push(sub);
          res.end(JSON.stringify({ name: 'operations/1', done: true, response: sub }));
        } else {
          Object.assign(subscribers[0] ?? {}, body);
          res.end(JSON.stringify({ name: 'operations/2', done: true }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const client = (webhookBaseUrl: string): GoogleSubscriberClient =>
    new GoogleSubscriberClient({
      apiBaseUrl: base,
      projectNumber: '123456789',
      subscriberId: 'ohe-webhooks',
      webhookBaseUrl,
      webhookSecret: 'hook-secret-0123456789',
      accessToken: 'cloud-token',
      timeoutMs: 2000,
    });

  it('should create one AUTOMATIC subscriber against the project number, then leave it alone', async () => {
    expect(await client('https://ohe.example').ensure()).toBe('created');
    const create = calls.find((c) => c.method === 'POST');
    expect(create?.url).toBe('/v4/projects/123456789/subscribers?subscriberId=ohe-webhooks');
    expect(create?.auth).toBe('Bearer cloud-token');
    expect(create?.body).toMatchObject({
      endpointUri: 'https://ohe.example/webhooks/fitbit/',
      subscriberConfigs: [
        { subscriptionCreatePolicy: 'AUTOMATIC', dataTypes: expect.arrayContaining(['steps']) },
      ],
      endpointAuthorization: { secret: 'Bearer hook-secret-0123456789' },
    });
    expect(await client('https://ohe.example').ensure()).toBe('unchanged');
    expect(subscribers).toHaveLength(1);
  });

  it('should patch the subscriber when the endpoint moved', async () => {
    expect(await client('https://new.ohe.example').ensure()).toBe('updated');
    expect(calls.at(-1)?.url).toContain('updateMask=endpointUri,subscriberConfigs,endpointAuthorization');
  });
});
