import { AppConfig } from '../../config/app-config.js';
import { callProvider, isRecord } from '../auth/http.js';
import { InvalidTokenError, ProviderCallError } from '../auth/provider-auth.js';
import { ProviderGate, ProviderRateLimitedError } from '../resilience/provider-gate.js';

/** Withings `status` values meaning the access token was refused (research A2). */
const AUTH_FAILED: ReadonlySet<number> = new Set([100, 101, 102, 200, 401]);
/** Timeout and bad state: worth another try later. */
const RETRYABLE: ReadonlySet<number> = new Set([522, 524]);
const TOO_MANY_REQUESTS = 601;
/** Withings publishes no Retry-After; its budget is per minute (research A2). */
const DEFAULT_RATE_WAIT_MS = 60_000;
/** getintradayactivity returns at most 24 h per request (research A5). */
const INTRADAY_MAX_S = 86_400;
/** A paging loop that never ends is a provider bug; stop rather than spin through the quota. */
const MAX_PAGES = 200;

type Body = Record<string, unknown>;

/**
 * Narrow calls to the Withings data services. Each HTTP request goes through ProviderGate (the per-application
 * quota and the provider breaker) with its own hard timeout; paged services are followed to the end here.
 * Errors carry the status and operation, never response values.
 */
export class WithingsDataClient {
  constructor(
    private readonly config: AppConfig,
    private readonly gate: ProviderGate,
  ) {}

  /** getmeas over [startdate, enddate] (epoch s, inclusive) for the meastypes; real measures only. */
  async getmeas(
    token: string,
    q: { meastypes: readonly number[]; startdate: number; enddate: number },
  ): Promise<{ timezone: string | undefined; groups: unknown[] }> {
    const form = {
      action: 'getmeas',
      meastypes: q.meastypes.join(','),
      category: '1',
      startdate: String(q.startdate),
      enddate: String(q.enddate),
    };
    let timezone: string | undefined;
    const groups = await this.paged('/measure', form, token, 'getmeas', (body) => {
      timezone ??= typeof body['timezone'] === 'string' ? body['timezone'] : undefined;
      return body['measuregrps'];
    });
    return { timezone, groups };
  }

  /** Daily activity for local dates [startdateymd, enddateymd]. */
  getactivity(token: string, q: { startdateymd: string; enddateymd: string }): Promise<unknown[]> {
    const form = { action: 'getactivity', startdateymd: q.startdateymd, enddateymd: q.enddateymd };
    return this.paged('/v2/measure', form, token, 'getactivity', (b) => b['activities']);
  }

  /** Intraday series over [startdate, enddate] (epoch s), asked in ≤ 24 h pieces; entries merged by epoch. */
  async getintradayactivity(
    token: string,
    q: { startdate: number; enddate: number; dataFields: readonly string[] },
  ): Promise<Body> {
    const merged: Body = {};
    for (let from = q.startdate; from <= q.enddate; from += INTRADAY_MAX_S) {
      const to = Math.min(q.enddate, from + INTRADAY_MAX_S - 1);
      const body = await this.call('/v2/measure', token, 'getintradayactivity', {
        action: 'getintradayactivity',
        startdate: String(from),
        enddate: String(to),
        data_fields: q.dataFields.join(','),
      });
      // An empty series comes back as [] rather than {}.
      if (isRecord(body['series'])) {
        Object.assign(merged, body['series']);
      }
    }
    return merged;
  }

  heartList(token: string, q: { startdate: number; enddate: number }): Promise<unknown[]> {
    const form = { action: 'list', startdate: String(q.startdate), enddate: String(q.enddate) };
    return this.paged('/v2/heart', form, token, 'heart.list', (b) => b['series']);
  }

  heartGet(token: string, signalid: number): Promise<Body> {
    return this.call('/v2/heart', token, 'heart.get', { action: 'get', signalid: String(signalid) });
  }

  sleepSummary(
    token: string,
    q: { startdateymd: string; enddateymd: string; dataFields: readonly string[] },
  ): Promise<unknown[]> {
    const form = {
      action: 'getsummary',
      startdateymd: q.startdateymd,
      enddateymd: q.enddateymd,
      data_fields: q.dataFields.join(','),
    };
    return this.paged('/v2/sleep', form, token, 'sleep.getsummary', (b) => b['series']);
  }

  async getdevice(token: string): Promise<unknown[]> {
    const body = await this.call('/v2/user', token, 'getdevice', { action: 'getdevice' });
    const devices: unknown = body['devices'];
    return Array.isArray(devices) ? (devices as unknown[]) : [];
  }

  /** Follows `more`/`offset` (1/0 on getmeas, booleans elsewhere) until the last page. */
  private async paged(
    path: string,
    form: Record<string, string>,
    token: string,
    operation: string,
    items: (body: Body) => unknown,
  ): Promise<unknown[]> {
    const out: unknown[] = [];
    let offset = 0;
    for (let pageNo = 0; pageNo < MAX_PAGES; pageNo += 1) {
      const body = await this.call(
        path,
        token,
        operation,
        offset > 0 ? { ...form, offset: String(offset) } : form,
      );
      const list = items(body);
      if (Array.isArray(list)) {
        out.push(...(list as unknown[]));
      }
      const next = Number(body['offset']);
      const more = body['more'] === true || body['more'] === 1 || body['more'] === '1';
      if (!more || !Number.isInteger(next) || next <= offset) {
        return out;
      }
      offset = next;
    }
    throw new ProviderCallError(`Withings ${operation}: paging did not end after ${MAX_PAGES} pages`, false);
  }

  private call(path: string, token: string, operation: string, form: Record<string, string>): Promise<Body> {
    const spec = {
      provider: 'withings',
      quota: { name: 'withings-app', limit: this.config.sync.quotas.withingsPerMinute, periodMs: 60_000 },
      quotaKey: 'app',
      operation,
    };
    return this.gate.call(spec, async () => {
      const answer = await callProvider(
        `${this.config.linking.withings.apiBaseUrl}${path}`,
        { form, headers: { authorization: `Bearer ${token}` } },
        AbortSignal.timeout(this.config.linking.tokenCallTimeoutMs),
      );
      if (answer.status === 429) {
        throw new ProviderRateLimitedError(
          `Withings ${operation} answered HTTP 429`,
          answer.retryAfterMs ?? DEFAULT_RATE_WAIT_MS,
        );
      }
      if (answer.status !== 200 || !isRecord(answer.json)) {
        throw new ProviderCallError(
          `Withings ${operation} answered HTTP ${answer.status}`,
          answer.status >= 500 || answer.status === 200,
        );
      }
      const status = Number(answer.json['status']);
      if (status === 0) {
        return isRecord(answer.json['body']) ? answer.json['body'] : {};
      }
      if (AUTH_FAILED.has(status)) {
        throw new InvalidTokenError(`Withings ${operation}: access token refused (status ${status})`);
      }
      if (status === TOO_MANY_REQUESTS) {
        throw new ProviderRateLimitedError(
          `Withings ${operation}: too many requests (status ${status})`,
          answer.retryAfterMs ?? DEFAULT_RATE_WAIT_MS,
        );
      }
      throw new ProviderCallError(`Withings ${operation} status ${status}`, RETRYABLE.has(status));
    });
  }
}
