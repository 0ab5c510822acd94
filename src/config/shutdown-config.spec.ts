import { describe, expect, it } from 'vitest';
import { shutdownConfig } from './shutdown-config.js';

function configFor(vars: {
  NODE_ENV: string;
  SHUTDOWN_TIMEOUT_MS?: number;
  SHUTDOWN_READINESS_DELAY_MS?: number;
}) {
  const problems: string[] = [];
  const config = shutdownConfig(
    { SHUTDOWN_TIMEOUT_MS: 30_000, ...vars } as Parameters<typeof shutdownConfig>[0],
    problems,
  );
  return { config, problems };
}

describe(shutdownConfig.name, () => {
  it('should wait 5 s for load balancers in production only, and hand jobs back 5 s before the timeout', () => {
    expect(configFor({ NODE_ENV: 'production' }).config).toEqual({
      timeoutMs: 30_000,
      readinessDelayMs: 5_000,
      handBackAtMs: 25_000,
    });
    expect(configFor({ NODE_ENV: 'development' }).config.readinessDelayMs).toBe(0);
    expect(configFor({ NODE_ENV: 'test', SHUTDOWN_READINESS_DELAY_MS: 300 }).config.readinessDelayMs).toBe(
      300,
    );
  });

  it('should keep a quarter of a short timeout for the hand-back', () => {
    expect(configFor({ NODE_ENV: 'test', SHUTDOWN_TIMEOUT_MS: 4_000 }).config.handBackAtMs).toBe(3_000);
  });

  it('should refuse a readiness delay that leaves no time to drain', () => {
    const { problems } = configFor({ NODE_ENV: 'production', SHUTDOWN_TIMEOUT_MS: 5_000 });
    expect(problems).toEqual([
      expect.stringContaining('SHUTDOWN_READINESS_DELAY_MS (5000 ms must be below 3750 ms'),
    ]);
  });
});
