// npm run chaos [-- --short]: builds nothing itself (the npm script does), maps --short to CHAOS_SHORT=1 and runs
// the chaos files with their own Vitest config; any other argument goes to Vitest (e.g. a file filter).
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
const short = args.includes('--short') || process.env.CHAOS_SHORT === '1';
const rest = args.filter((a) => a !== '--short');
const child = spawn(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/chaos/vitest.chaos.config.ts', ...rest],
  { stdio: 'inherit', env: { ...process.env, CHAOS_SHORT: short ? '1' : '0' } },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 1)));
