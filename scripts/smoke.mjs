// Boots the built service (dist/) as production would run it and measures its cold start: the time from spawning
// `node dist/src/main.js` until GET /api/metrics/live answers 200. Prints one JSON line; exits non-zero on failure.
// Usage: DATABASE_URL=... REDIS_URL=... node scripts/smoke.mjs [runs]
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const runs = Number(process.argv[2] ?? 3);

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function coldStart() {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    while (performance.now() - started < 30_000) {
      if (child.exitCode !== null) {
        throw new Error(`service exited with code ${child.exitCode}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/metrics/live/`);
        if (res.status === 200) {
          return performance.now() - started;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no answer within 30 s');
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
}

const times = [];
for (let i = 0; i < runs; i++) {
  times.push(await coldStart());
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    cold_start_ms: {
      median: Math.round(times[Math.floor(times.length / 2)]),
      min: Math.round(times[0]),
      runs,
    },
  }),
);
