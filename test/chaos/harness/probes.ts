import type { Member } from './service.js';

/** Status of a probe, 0 when the process did not answer within a second. */
export async function probe(base: string, which: 'ready' | 'live'): Promise<number> {
  try {
    const res = await fetch(`${base}/api/metrics/${which}/`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export function baseOf(member: Member): string {
  return `http://127.0.0.1:${member.port}`;
}

/**
 * Polls the breaker gauge (breakers live in Redis, so any process reports the shared state) until stopped;
 * resolves with whether `breaker` was seen open (gauge 1) at least once.
 */
export function watchBreaker(member: Member, breaker: string): { stop: () => Promise<boolean> } {
  const watch = new AbortController();
  // Default labels may stand beside `breaker`, so the line is matched by its parts.
  const isOpen = (line: string): boolean =>
    line.startsWith('ohe_circuit_breaker_state{') &&
    line.includes(`breaker="${breaker}"`) &&
    line.endsWith(' 1');
  const seen = (async () => {
    while (!watch.signal.aborted) {
      try {
        const res = await fetch(`${baseOf(member)}/api/metrics/metrics`, {
          signal: AbortSignal.timeout(2_000),
        });
        if ((await res.text()).split('\n').some(isOpen)) {
          return true;
        }
      } catch {
        // a busy or restarting process: ask again
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    return false;
  })();
  return {
    stop: () => {
      watch.abort();
      return seen;
    },
  };
}

/** Whether a process logged that the circuit breaker `breaker` opened (its logger context names the breaker). */
export function breakerLogged(members: readonly Member[], breaker: string): boolean {
  return members.some((m) =>
    m.proc.stdout
      .split('\n')
      .some((l) => l.includes(`"CircuitBreaker:${breaker}"`) && l.includes('Opened (consecutive failures')),
  );
}
