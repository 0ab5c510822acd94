import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killRedisServer, startRedisServer } from '../../support/private-redis.js';
import { freePort } from '../../support/spawn-service.js';

/**
 * A redis-server of the chaos suite with its own data folder and the append-only file synced every second, as
 * production runs it: a kill -9 loses at most the last second of writes, and a restart replays the rest. Unlike
 * test/support's PrivateRedis (no persistence), a restart here keeps the queues.
 */
export class DurableRedis {
  private child: ChildProcess | undefined;
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<DurableRedis> {
    const redis = new DurableRedis(mkdtempSync(join(tmpdir(), 'ohe-chaos-redis-')), await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = await startRedisServer(this.port, [
      ...['--dir', this.dir, '--save', ''],
      ...['--appendonly', 'yes', '--appendfsync', 'everysec'],
    ]);
  }

  /** kill -9, as a crash: no goodbye to clients, at most the last second of writes lost. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await killRedisServer(child);
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
