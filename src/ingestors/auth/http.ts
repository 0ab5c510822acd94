import { ProviderCallError } from './provider-auth.js';

export interface HttpAnswer {
  readonly status: number;
  readonly json: unknown;
}

/** One provider HTTP call with a hard timeout; transport failures and timeouts become retryable ProviderCallErrors. */
export async function callProvider(
  url: string,
  init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; json?: unknown },
  signal: AbortSignal,
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
    text = await res.text();
  } catch (err) {
    const reason = signal.aborted ? 'timed out' : (err as Error).message;
    throw new ProviderCallError(`${new URL(url).host}: ${reason}`, true);
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
