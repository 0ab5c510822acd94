import { assertBuilt, freePort, ServiceProcess } from '../../support/spawn-service.js';

export type Role = 'api' | 'worker';

/** One process of the service under test: its role, its port (every role serves the probes) and the process. */
export interface Member {
  readonly role: Role;
  readonly port: number;
  proc: ServiceProcess;
  /** How often this slot was started again after a kill or an exit. */
  restarts: number;
}

/**
 * The built service as it is deployed: one api process and `workers` worker processes, spawned from dist/ with
 * the environment given. Every member can be killed, signalled and started again on the same port.
 */
export class ServiceFleet {
  readonly members: Member[] = [];

  constructor(private env: Record<string, string>) {}

  /** `apiPort`: chosen beforehand, because the environment names the api's public URL (webhook callbacks). */
  async start(apiPort: number, workers: number): Promise<void> {
    assertBuilt();
    this.members.push(await this.spawn('api', apiPort));
    for (let i = 0; i < workers; i++) {
      this.members.push(await this.spawn('worker'));
    }
  }

  get api(): Member {
    const api = this.members.find((m) => m.role === 'api');
    if (api === undefined) {
      throw new Error('no api process');
    }
    return api;
  }

  get workers(): Member[] {
    return this.members.filter((m) => m.role === 'worker');
  }

  base(member: Member = this.api): string {
    return `http://127.0.0.1:${member.port}`;
  }

  /** Changes the environment of processes started from now on (restart() applies it). */
  setEnv(overrides: Record<string, string>): void {
    this.env = { ...this.env, ...overrides };
  }

  /** kill -9 (unless already gone), then the same role on the same port again, waiting until it is ready. */
  async restart(member: Member): Promise<number> {
    member.proc.kill();
    await member.proc.exited;
    const started = performance.now();
    member.proc = this.spawnProcess(member.role, member.port);
    member.restarts++;
    await member.proc.waitFor(`${this.base(member)}/api/metrics/ready/`, 60_000);
    return performance.now() - started;
  }

  /** Kills every member still running (kill -9: cleanup must not wait on a drain). */
  async stop(): Promise<void> {
    for (const m of this.members) {
      m.proc.kill();
    }
    await Promise.all(this.members.map((m) => m.proc.exited));
  }

  private async spawn(role: Role, chosenPort?: number): Promise<Member> {
    const port = chosenPort ?? (await freePort());
    const proc = this.spawnProcess(role, port);
    await proc.waitFor(`http://127.0.0.1:${port}/api/metrics/ready/`, 60_000);
    return { role, port, proc, restarts: 0 };
  }

  private spawnProcess(role: Role, port: number): ServiceProcess {
    const proc = new ServiceProcess({ ...this.env, ROLE: role, PORT: String(port) });
    // The logs of a long run would fill the test's memory; the last part is enough to explain a failure.
    for (const stream of ['stdout', 'stderr'] as const) {
      proc.child[stream].on('data', () => {
        if (proc[stream].length > 200_000) {
          proc[stream] = proc[stream].slice(-100_000);
        }
      });
    }
    return proc;
  }
}
