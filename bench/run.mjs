#!/usr/bin/env node
// `npm run bench`: every benchmark in turn (after the build `prebench` runs), each with its default sizes and
// printing its own JSON figures, ratios against the baseline it measured in the same run. Stops at the first
// benchmark that fails. Run one alone with `node bench/<name>.mjs` to pass it sizes.
import { spawnSync } from 'node:child_process';

const BENCHES = ['transformers', 'publish', 'webhooks', 'sync', 'latency', 'backfill-rss'];
const only = process.argv.slice(2);

for (const name of only.length > 0 ? only : BENCHES) {
  if (!BENCHES.includes(name)) {
    console.error(`unknown benchmark "${name}"; known: ${BENCHES.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n=== bench/${name}.mjs`);
  const { status } = spawnSync(process.execPath, [`bench/${name}.mjs`], { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`bench/${name}.mjs exited with ${String(status)}`);
    process.exit(status ?? 1);
  }
}
