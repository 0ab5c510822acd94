// The npm registry reachable here serves only the linux-x64 builds of packages with per-platform optional
// dependencies (@swc/core, msgpackr-extract). `npm install` then leaves the other platforms out of
// package-lock.json, and `npm ci` refuses the lock as out of sync. This adds a lock entry, marked optional and
// restricted to its platform, for every such missing package, so `npm ci` accepts the lock and skips them.
// Run after any `npm install` that changes the lock: node scripts/lock-platform-stubs.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORM = [
  [/darwin/, 'darwin'],
  [/win32/, 'win32'],
  [/linux/, 'linux'],
  [/freebsd/, 'freebsd'],
  [/android/, 'android'],
];
const CPU = [
  [/arm64|aarch64/, 'arm64'],
  [/x64/, 'x64'],
  [/ia32/, 'ia32'],
  [/ppc64/, 'ppc64'],
  [/s390x/, 's390x'],
  [/riscv64/, 'riscv64'],
  [/arm/, 'arm'],
];
const pick = (table, name) => table.find(([re]) => re.test(name))?.[1];

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    const nested = `${base}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (lock.packages[nested] || lock.packages[hoisted]) {
      continue;
    }
    const os = pick(PLATFORM, dep);
    const cpu = pick(CPU, dep.replace(/^@[^/]+\//, ''));
    if (os === undefined || cpu === undefined) {
      continue;
    }
    lock.packages[hoisted] = { version: range.replace(/^[\^~=]/, ''), cpu: [cpu], os: [os], optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform stub(s) to package-lock.json`);
