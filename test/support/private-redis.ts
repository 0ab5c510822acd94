import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './spawn-service.js';

const READY = 'Ready to accept connections';

/**
 * A redis-server of one test file, on a spare loopback port, with no persistence: stopping it loses every key,
 * as a crashed Redis without AOF would. The shared Redis of the run is never touched.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and resolves once it accepts connections. */
  async start(): Promise<void> {
    this.child = await startRedisServer(this.port, ['--save', '', '--appendonly', 'no']);
  }

  /** Kills the server as a crash would (SIGKILL: no goodbye to clients) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await killRedisServer(child);
  }
}

/** A redis-server on a loopback port with `args` (persistence settings), once it accepts connections. */
export async function startRedisServer(port: number, args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`redis-server did not start on ${port}: ${output}`));
    }, 10_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes(READY)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}: ${output}`));
    });
  });
  return child;
}

/** SIGKILL, as a crash: no goodbye to clients; resolves once the process is gone. */
export async function killRedisServer(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
