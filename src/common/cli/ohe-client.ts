/** One answer of the service's API: the status and the JSON body. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** An error answer, printed as the API's error code and message (never the credential). */
export class ApiCallError extends Error {
  constructor(readonly answer: ApiAnswer) {
    const { error, message, details } = answer.body;
    const detail =
      typeof details === 'object' && details !== null && Object.keys(details).length > 0
        ? ` ${JSON.stringify(details)}`
        : '';
    super(`${answer.status} ${text(error, 'error')}: ${text(message, '')}${detail}`);
  }
}

/**
 * The ops CLI's way into a running service: its REST API with a service API key (OHE_API_URL, default
 * http://127.0.0.1:$PORT; OHE_API_KEY), so each command does exactly what its route does, checks and audit included.
 */
export class OheClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly requestId = `cli-ohe-${Date.now()}`,
  ) {}

  static fromEnv(env: NodeJS.ProcessEnv): OheClient | undefined {
    const key = env['OHE_API_KEY'];
    if (key === undefined || key === '') {
      return undefined;
    }
    const url = env['OHE_API_URL'] ?? `http://127.0.0.1:${env['PORT'] ?? '8000'}`;
    return new OheClient(url.replace(/\/+$/, ''), key);
  }

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.apiKey}`,
        'X-Request-ID': this.requestId,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    if (!res.ok) {
      throw new ApiCallError({ status: res.status, body: parsed });
    }
    return parsed;
  }
}

/** A body field as text: strings and numbers as they are, anything else (absent, null) as the fallback. */
export function text(value: unknown, fallback: string): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
}
