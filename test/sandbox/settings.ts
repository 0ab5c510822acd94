/** What the sandbox itself reads from the environment (the service's own settings are validated by the service). */
export interface SandboxSettings {
  /** First of the fixed loopback ports the simulators take (base+1 …); 0 gives each a free port. */
  readonly portBase: number;
  /** How often the simulated providers produce new data and notify the service. */
  readonly feedIntervalMs: number;
  /** The initial backfill of each sandbox link; short, so the in-memory FHIR server has data within seconds. */
  readonly lookbackDays: number;
  /** Where the sandbox writes its URLs, patients and API key for people and scripts to read. */
  readonly stateFile: string;
}

export class SandboxSettingsError extends Error {}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} (must be an integer from ${min} to ${max}, got "${raw}")`);
    return fallback;
  }
  return value;
}

/** Whether `npm start` runs the sandbox; anything but true/false stops start-up. */
export function sandboxEnabled(env: NodeJS.ProcessEnv): boolean {
  const raw = (env['SANDBOX'] ?? 'false').trim().toLowerCase();
  if (raw !== 'true' && raw !== 'false') {
    throw new SandboxSettingsError(`Invalid configuration: SANDBOX (must be true or false, got "${raw}")`);
  }
  if (raw === 'true' && env['NODE_ENV'] === 'production') {
    throw new SandboxSettingsError(
      'Invalid configuration: SANDBOX=true is refused with NODE_ENV=production (simulated providers only)',
    );
  }
  return raw === 'true';
}

export function loadSandboxSettings(env: NodeJS.ProcessEnv): SandboxSettings {
  const problems: string[] = [];
  const settings: SandboxSettings = {
    portBase: integer(env, 'SANDBOX_PORT_BASE', 8100, 0, 65_000, problems),
    feedIntervalMs: integer(env, 'SANDBOX_FEED_INTERVAL_MS', 60_000, 500, 86_400_000, problems),
    lookbackDays: integer(env, 'SANDBOX_LOOKBACK_DAYS', 3, 1, 30, problems),
    stateFile: env['SANDBOX_STATE_FILE'] ?? '.sandbox/sandbox.json',
  };
  if (problems.length > 0) {
    throw new SandboxSettingsError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return settings;
}

/** The n-th fixed port, or 0 (any free port) when the base is 0. */
export function portOf(settings: SandboxSettings, n: number): number {
  return settings.portBase === 0 ? 0 : settings.portBase + n;
}
