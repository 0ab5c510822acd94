import { ProviderCallError } from './provider-auth.js';

export interface HttpAnswer {
  readonly status: number;
  readonly json: unknown;
  /** Retry-After (seconds or HTTP date) in milliseconds, when the provider sent one. */
  readonly retryAfterMs?: number;
}

/** Reads a Retry-After header (delta seconds or an HTTP date) as milliseconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Largest provider answer read. The biggest real ones (a Google page of 10,000 data points, a Withings ECG) are a few
 * MB; anything far larger is a broken or hostile server, and reading it whole would take the worker's memory.
 */
export const MAX_PROVIDER_BODY_BYTES = 32 * 1024 * 1024;

/** The body as text, refusing (for good: a retry gets the same answer) one larger than `maxBytes`. */
async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const tooLarge = (): ProviderCallError =>
    new ProviderCallError(`${new URL(res.url).host}: answer larger than ${maxBytes} bytes`, false);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (res.body === null) {
    return '';
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      return Buffer.concat(chunks).toString('utf8');
    }
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
}

/** One provider HTTP call with a hard timeout; transport failures and timeouts become retryable ProviderCallErrors. */
export async function callProvider(
  url: string,
  init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; json?: unknown },
  signal: AbortSignal,
  maxBytes = MAX_PROVIDER_BODY_BYTES,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  let body: string | undefined;
  if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method: init.method ?? 'POST', headers, body, signal, redirect: 'error' });
    text = await readBounded(res, maxBytes);
  } catch (err) {
    if (err instanceof ProviderCallError) {
      throw err;
    }
    const reason = signal.aborted ? 'timed out' : (err as Error).message;
    throw new ProviderCallError(`${new URL(url).host}: ${reason}`, true);
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  return retryAfterMs === undefined
    ? { status: res.status, json }
    : { status: res.status, json, retryAfterMs };
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
