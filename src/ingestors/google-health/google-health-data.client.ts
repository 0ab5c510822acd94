import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { callProvider, isRecord } from '../auth/http.js';
import { InvalidTokenError, ProviderCallError } from '../auth/provider-auth.js';
import type { ProviderDataContext } from '../data/provider-data.js';
import { ProviderGate, ProviderRateLimitedError } from '../resilience/provider-gate.js';
import { FITBIT } from './fitbit.descriptor.js';

/** A data point or paired device as the API serialised it; parsed by the caller. */
export type WireObject = Record<string, unknown>;

/** Google's documented page maxima: the largest page keeps a chunk to few calls against the per-user quota. */
const MAX_PAGE = 10_000;
const MAX_PAGE_SMALL: Readonly<Record<string, number>> = { sleep: 25, exercise: 25 };
const MAX_DEVICE_PAGE = 100;
/**
 * Pages one call may walk. A chunk is at most a week, which is a few pages even at minute resolution; a server that
 * keeps answering nextPageToken must not grow a job's memory without end.
 */
export const MAX_PAGES = 50;
/** Google's 429 does not always say how long to wait; its quota window is a minute. */
const DEFAULT_RATE_WAIT_MS = 60_000;

/**
 * The Google Health API v4 data side: dataPoints list and reconcile, pairedDevices. Every page is one call
 * through ProviderGate (the per-user quota and the provider's breaker) with its own hard timeout.
 */
@Injectable()
export class GoogleHealthDataClient {
  constructor(
    private readonly config: AppConfig,
    private readonly gate: ProviderGate,
  ) {}

  /** Every data point of `dataType` matching `filter` (AIP-160), newest first, every page. */
  list(ctx: ProviderDataContext, dataType: string, filter: string): Promise<WireObject[]> {
    return this.points(ctx, dataType, filter, 'list');
  }

  /** Like list, merged across data sources: items carry `dataPointName` and no `dataSource`. */
  reconcile(ctx: ProviderDataContext, dataType: string, filter: string): Promise<WireObject[]> {
    return this.points(ctx, dataType, filter, 'reconcile');
  }

  pairedDevices(ctx: ProviderDataContext): Promise<WireObject[]> {
    return this.pages(ctx, 'pairedDevices.list', 'pairedDevices', (token) =>
      this.url('/users/me/pairedDevices', { pageSize: String(MAX_DEVICE_PAGE), pageToken: token }),
    );
  }

  private points(
    ctx: ProviderDataContext,
    dataType: string,
    filter: string,
    method: 'list' | 'reconcile',
  ): Promise<WireObject[]> {
    const path = `/users/me/dataTypes/${encodeURIComponent(dataType)}/dataPoints${method === 'reconcile' ? ':reconcile' : ''}`;
    const pageSize = String(MAX_PAGE_SMALL[dataType] ?? MAX_PAGE);
    return this.pages(ctx, `dataPoints.${method}:${dataType}`, 'dataPoints', (token) =>
      this.url(path, { filter, pageSize, pageToken: token }),
    );
  }

  private async pages(
    ctx: ProviderDataContext,
    operation: string,
    key: string,
    url: (pageToken: string | undefined) => string,
  ): Promise<WireObject[]> {
    const out: WireObject[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      if (pages++ === MAX_PAGES) {
        throw new ProviderCallError(`Google Health ${operation}: more than ${MAX_PAGES} pages`, false);
      }
      const body = await this.get(ctx, operation, url(token));
      const items = body[key];
      out.push(...(Array.isArray(items) ? items.filter(isRecord) : []));
      const next = body['nextPageToken'];
      token = typeof next === 'string' && next !== '' ? next : undefined;
    } while (token !== undefined);
    return out;
  }

  private url(path: string, query: Record<string, string | undefined>): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== '') {
        params.set(k, v);
      }
    }
    return `${this.config.linking.googleHealth.apiBaseUrl}/v4${path}?${params.toString()}`;
  }

  /** One page: through the gate, with a token withToken may refresh once if Google refuses it. */
  private get(ctx: ProviderDataContext, operation: string, url: string): Promise<WireObject> {
    const spec = {
      provider: FITBIT.type,
      quota: {
        name: 'google-health-user',
        limit: this.config.sync.quotas.googleHealthPerMinute,
        periodMs: 60_000,
      },
      quotaKey: ctx.externalUserId,
      operation,
    };
    return ctx.withToken((accessToken) =>
      this.gate.call(spec, async () => {
        const answer = await callProvider(
          url,
          { method: 'GET', headers: { authorization: `Bearer ${accessToken}` } },
          AbortSignal.timeout(this.config.linking.tokenCallTimeoutMs),
        );
        if (answer.status === 200 && isRecord(answer.json)) {
          return answer.json;
        }
        // Only the status and Google's status name: the body may echo filters with dates, never values we log.
        const status =
          isRecord(answer.json) && isRecord(answer.json['error'])
            ? answer.json['error']['status']
            : undefined;
        const what = `Google Health ${operation}: HTTP ${answer.status}${typeof status === 'string' ? ` ${status}` : ''}`;
        if (answer.status === 401) {
          throw new InvalidTokenError(what);
        }
        if (answer.status === 429) {
          throw new ProviderRateLimitedError(what, answer.retryAfterMs ?? DEFAULT_RATE_WAIT_MS);
        }
        // A 200 without a JSON object is a broken answer from a gateway, as transient as a 5xx.
        throw new ProviderCallError(what, answer.status >= 500 || answer.status === 200);
      }),
    );
  }
}
