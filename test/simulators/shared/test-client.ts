import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { close } from './http.js';

/** Follows the consent page by hand: the simulators answer with a redirect the test inspects, not a page. */
export async function authorize(
  url: string,
  params: Record<string, string>,
): Promise<{ status: number; location?: URL }> {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) {
    target.searchParams.set(key, value);
  }
  const res = await fetch(target, { redirect: 'manual' });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  return location === null ? { status: res.status } : { status: res.status, location: new URL(location) };
}

export async function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

export interface CallbackTarget {
  readonly url: string;
  readonly requests: ReadonlyArray<{ method: string; path: string }>;
  stop(): Promise<void>;
}

/** A stand-in for the service's webhook endpoint, answering every request with a fixed status. */
export async function startCallbackTarget(status: number): Promise<CallbackTarget> {
  const requests: Array<{ method: string; path: string }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/webhooks/withings/s3cr3t`, requests, stop: () => close(server) };
}
