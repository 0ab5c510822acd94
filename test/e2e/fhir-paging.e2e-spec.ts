import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FhirPermanentError } from '../../src/publishers/fhir-errors.js';
import { FhirClient } from '../../src/publishers/fhir.client.js';
import { close, listen, sendJson, type Listening } from '../simulators/shared/http.js';
import { startPublisher, type PublisherHarness } from './fhir-publisher.harness.js';

const TOKEN = 'static-token-paging-0123456789';

interface Seen {
  readonly path: string;
  readonly authorization: string | undefined;
}

/**
 * A bare FHIR endpoint on loopback: answers every search with the searchset `pages` builds for the request
 * path, and records what reached it, so a test can prove that a request never left the client.
 */
class PagingServer {
  readonly seen: Seen[] = [];
  pages: (path: string) => { next?: string; id: string } = () => ({ id: 'x' });

  private constructor(private readonly listening: Listening) {}

  static async start(): Promise<PagingServer> {
    const ref: { server?: PagingServer } = {};
    const listening = await listen((req: IncomingMessage, res) => {
      const path = req.url ?? '';
      ref.server?.seen.push({ path, authorization: req.headers.authorization });
      const page = ref.server?.pages(path) ?? { id: 'x' };
      sendJson(res, 200, {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: { resourceType: 'DeviceAssociation', id: page.id } }],
        link: page.next === undefined ? [] : [{ relation: 'next', url: page.next }],
      });
      return Promise.resolve();
    });
    ref.server = new PagingServer(listening);
    return ref.server;
  }

  get origin(): string {
    return this.listening.baseUrl;
  }

  get baseUrl(): string {
    return `${this.origin}/fhir`;
  }

  stop(): Promise<void> {
    return close(this.listening.server);
  }
}

describe('FhirClient.searchAll paging: `next` links never take the token elsewhere', () => {
  let fhir: PagingServer;
  let elsewhere: PagingServer;
  let harness: PublisherHarness | undefined;

  beforeAll(async () => {
    [fhir, elsewhere] = await Promise.all([PagingServer.start(), PagingServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([fhir.stop(), elsewhere.stop()]);
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    fhir.seen.length = 0;
    elsewhere.seen.length = 0;
  });

  async function client(): Promise<FhirClient> {
    harness = await startPublisher({
      FHIR_BASE_URL: fhir.baseUrl,
      FHIR_AUTH_MODE: 'static',
      FHIR_AUTH_TOKEN: TOKEN,
    });
    return harness.module.get(FhirClient);
  }

  const ids = (found: Array<Record<string, unknown>>): unknown[] => found.map((r) => r['id']);

  it('should stop paging with a permanent error, sending nothing, when `next` is on another origin', async () => {
    fhir.pages = () => ({ id: 'p1', next: `${elsewhere.baseUrl}/DeviceAssociation?page=2` });
    const search = await client();

    const error = await search
      .searchAll('DeviceAssociation', { subject: 'Patient/p' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirPermanentError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(/next.*another origin/);
    expect(elsewhere.seen).toEqual([]);
    expect(fhir.seen).toHaveLength(1);
  });

  it('should not follow a protocol-relative `next` to another host either', async () => {
    const other = new URL(elsewhere.baseUrl);
    fhir.pages = () => ({ id: 'p1', next: `//${other.host}/fhir/DeviceAssociation?page=2` });
    const search = await client();

    const error = await search.searchAll('DeviceAssociation', {}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirPermanentError);
    expect(elsewhere.seen).toEqual([]);
    expect(fhir.seen).toHaveLength(1);
  });

  it('should follow an absolute same-origin `next` with the token', async () => {
    fhir.pages = (path) =>
      path.includes('page=2')
        ? { id: 'p2' }
        : { id: 'p1', next: `${fhir.baseUrl}/DeviceAssociation?subject=Patient%2Fp&page=2` };
    const search = await client();

    expect(ids(await search.searchAll('DeviceAssociation', { subject: 'Patient/p' }))).toEqual(['p1', 'p2']);
    expect(fhir.seen).toEqual([
      { path: '/fhir/DeviceAssociation?subject=Patient%2Fp', authorization: `Bearer ${TOKEN}` },
      { path: '/fhir/DeviceAssociation?subject=Patient%2Fp&page=2', authorization: `Bearer ${TOKEN}` },
    ]);
  });

  it.each([
    ['relative to the base', 'DeviceAssociation?page=2'],
    ['absolute-path', '/fhir/DeviceAssociation?page=2'],
  ])('should resolve a %s `next` against FHIR_BASE_URL', async (_kind, next) => {
    fhir.pages = (path) => (path.includes('page=2') ? { id: 'p2' } : { id: 'p1', next });
    const search = await client();

    expect(ids(await search.searchAll('DeviceAssociation', {}))).toEqual(['p1', 'p2']);
    expect(fhir.seen.map((s) => s.path)).toEqual([
      '/fhir/DeviceAssociation',
      '/fhir/DeviceAssociation?page=2',
    ]);
    expect(fhir.seen[1]?.authorization).toBe(`Bearer ${TOKEN}`);
  });
});
