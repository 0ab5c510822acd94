import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const DIST_MAIN = join(process.cwd(), 'dist', 'src', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(DIST_MAIN)) {
    throw new Error(`${DIST_MAIN} is missing: run "npm run build" first (npm test does it for you)`);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The built service as a child process, with its stdout and stderr collected. */
export class ServiceProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `script` defaults to the built entry point; the sandbox test runs the `npm start` launcher instead. */
  constructor(env: Record<string, string>, script = DIST_MAIN) {
    this.child = spawn(process.execPath, [script], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      cwd: process.cwd(),
    });
    this.child.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Polls url until it answers 200; returns the milliseconds it took. */
  async waitFor(url: string, timeoutMs = 20_000): Promise<number> {
    const started = performance.now();
    while (performance.now() - started < timeoutMs) {
      if (this.child.exitCode !== null) {
        throw new Error(`service exited with ${this.child.exitCode}: ${this.stderr}`);
      }
      try {
        const res = await fetch(url);
        if (res.status === 200) {
          return performance.now() - started;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${url} did not answer within ${timeoutMs} ms`);
  }

  /** Parsed JSON log lines written so far. */
  logLines(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  kill(): void {
    if (this.child.exitCode === null) {
      this.child.kill('SIGKILL');
    }
  }
}
