import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedCall {
  /** Date.now() when the request arrived. */
  readonly at: number;
  readonly method: string;
  /** Path and query as sent. */
  readonly path: string;
}

/**
 * A loopback HTTP proxy in front of a provider simulator that notes the time of every request, answered or not:
 * the simulators count only the calls they admit, while the bounds of scenario 5 are about what the workers send.
 */
export class CallLog {
  readonly calls: LoggedCall[] = [];
  private server: Server | undefined;
  private port = 0;

  private constructor(private readonly target: URL) {}

  static async inFrontOf(baseUrl: string): Promise<CallLog> {
    const log = new CallLog(new URL(baseUrl));
    const server = createServer((req, res) => log.forward(req, res));
    log.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    log.port = (server.address() as AddressInfo).port;
    return log;
  }

  /** `baseUrl` with the proxy's origin in place of the simulator's. */
  url(baseUrl: string): string {
    return baseUrl.replace(new URL(baseUrl).origin, `http://127.0.0.1:${this.port}`);
  }

  /** Most calls matching `filter` inside any window of `windowMs` starting at a call, since `since`. */
  maxInWindow(windowMs: number, since: number, filter: (c: LoggedCall) => boolean = () => true): number {
    const times = this.calls.filter((c) => c.at >= since && filter(c)).map((c) => c.at);
    let best = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) {
        start++;
      }
      best = Math.max(best, end - start + 1);
    }
    return best;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    this.calls.push({ at: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/' });
    const upstream = request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.on('error', () => upstream.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}
