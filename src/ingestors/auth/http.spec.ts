import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callProvider } from './http.js';
import { ProviderCallError } from './provider-auth.js';

describe('callProvider', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
      const body = JSON.stringify({ filler: 'x'.repeat(size) });
      // ?chunked: no Content-Length, so only the streamed byte count can stop it.
      if (req.url?.includes('chunked') === true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(body.slice(0, body.length / 2));
        res.end(body.slice(body.length / 2));
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const call = (query: string, maxBytes: number) =>
    callProvider(`${base}/?${query}`, { method: 'GET' }, AbortSignal.timeout(5000), maxBytes);

  it('should read an answer within the bound', async () => {
    expect(await call('size=100', 1000)).toMatchObject({ status: 200, json: { filler: 'x'.repeat(100) } });
  });

  it.each(['size=5000', 'size=5000&chunked=1'])(
    'should refuse for good an answer larger than the bound (%s), declared or streamed',
    async (query) => {
      const err = await call(query, 1000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderCallError);
      expect(err).toMatchObject({ retryable: false });
      expect((err as Error).message).toMatch(/larger than 1000 bytes/);
    },
  );
});
