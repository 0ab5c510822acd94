import { createServer, Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy the tests can cut: `cut()` drops every open connection and refuses new ones, as a
 * crashed server would; `stall()` keeps connections open but lets nothing through, as a partition or a wedged
 * server would (only timeouts end the wait); `restore()` drops stalled connections and accepts again. Used to take
 * Postgres or Redis "down" for one app without touching the shared servers.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private stalling = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /**
   * A started proxy in front of the server a connection URL names, and the same URL pointing at the proxy.
   * @param defaultPort - the scheme's port, for URLs that leave it out (5432 for Postgres, 6379 for Redis)
   */
  static async inFrontOf(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
    const target = new URL(url);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || defaultPort)).start();
    target.host = `127.0.0.1:${proxy.port}`;
    return { proxy, url: target.toString() };
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      if (this.stalling) {
        // Accepted and never answered: the caller's connect timeout is all that ends it.
        this.sockets.add(client);
        client.on('close', () => this.sockets.delete(client));
        client.on('error', () => client.destroy());
        return;
      }
      const upstream = new Socket();
      upstream.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  cut(): void {
    this.refusing = true;
    for (const s of this.sockets) {
      s.destroy();
    }
  }

  stall(): void {
    this.stalling = true;
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
    }
  }

  restore(): void {
    if (this.stalling) {
      for (const s of this.sockets) {
        s.destroy();
      }
    }
    this.stalling = false;
    this.refusing = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
