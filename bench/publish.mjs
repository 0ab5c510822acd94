#!/usr/bin/env node
// Publisher overhead benchmark: N prepared records through FhirPublisher (dist build: bundle building, auth
// headers, the Redis-backed circuit breaker, response reading, metrics) versus POSTing the very same transaction
// bundles straight to the server with fetch. Both run sequentially against the same local FHIR server, which is
// emptied before every run so each run does the same creates.
//
//   npx nest build && node bench/publish.mjs [records=2000] [rounds=3]
//
// Needs Redis (REDIS_URL, default redis://127.0.0.1:6379) for the breaker. Prints one JSON object; the goal is
// ratio >= 0.8 (the publisher's rate is at least 80 % of the bare transport's).
//
// Server: by default a minimal in-process transaction server below (identifier-indexed conditional create and
// update, transaction-response with status and location), so the figure measures the publisher and not the
// server. BENCH_SERVER=fhir-test-server uses test/simulators/fhir instead; its searches scan every stored
// resource, so keep N small there. The test fixtures (and that server) are TypeScript: a loader hook
// transpiles them with @swc/core on import, so the bench needs neither a second build nor vitest.
import { register } from 'node:module';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { startIndexServer } from './lib.mjs';

const require = createRequire(import.meta.url);
const loader = `
let swc;
export async function initialize(data) { swc = await import(data.swc); }
export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts') && specifier.startsWith('.')) {
    try { return await next(specifier.slice(0, -3) + '.ts', context); } catch {}
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const { source } = await next(url, { ...context, format: 'module' });
  const { code } = await swc.transform(String(source), {
    filename: new URL(url).pathname,
    jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022',
      transform: { legacyDecorator: true, decoratorMetadata: true } },
    module: { type: 'es6' },
  });
  return { format: 'module', source: code, shortCircuit: true };
}`;
register(`data:text/javascript,${encodeURIComponent(loader)}`, {
  data: { swc: pathToFileURL(require.resolve('@swc/core')).href },
});

const records = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const batchSize = Number(process.env.FHIR_BATCH_SIZE ?? 100);
// Time the minimal server takes per transaction, to stand in for a real server's work (0: pure overhead).
const serverDelayMs = Number(process.env.BENCH_SERVER_DELAY_MS ?? 0);

// BENCH_DIST points at another build output (e.g. a private `tsc --outDir`), so a bench never races a shared dist.
const distRoot = new URL(`${process.env.BENCH_DIST ?? '../dist'}/src/`, import.meta.url);
const dist = (path) => import(new URL(path, distRoot).href);
const { NestFactory } = await import('@nestjs/core');
const { loadConfig } = await dist('config/app-config.js');
const { ConfigModule } = await dist('config/config.module.js');
const { RedisModule } = await dist('common/redis/redis.module.js');
const { PublishersModule } = await dist('publishers/publishers.module.js');
const { FhirPublisher } = await dist('publishers/fhir-publisher.service.js');
const { buildTransactionBundles } = await dist('publishers/bundle-builder.js');
const { syncBatch } = await import('../test/e2e/fhir-publisher.fixtures.ts');

// Ten patients' worth of devices, 1 device per 50 observations, like a day of per-minute heart rates.
const resources = Array.from({ length: Math.ceil(records / 50) }, (_, i) =>
  syncBatch(`bench-${i}`, Math.min(50, records - i * 50)),
).flat();
const observations = resources.filter((r) => r.resource.resourceType === 'Observation').length;

const server =
  process.env.BENCH_SERVER === 'fhir-test-server'
    ? await (
        await import('../test/simulators/fhir/fhir-test-server.ts')
      ).FhirTestServer.start({ validate: false })
    : await startIndexServer({ delayMs: serverDelayMs });
const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: 'postgres://unused@127.0.0.1:5432/unused',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_KEY_PREFIX: `ohe-bench-${randomBytes(4).toString('hex')}`,
  LOG_LEVEL: 'silent',
  FHIR_BASE_URL: server.baseUrl,
  FHIR_BATCH_SIZE: String(batchSize),
});
// PublishersModule as the root, given what AppModule would otherwise provide around it.
const root = { module: PublishersModule, imports: [ConfigModule.forRoot(config), RedisModule] };
const app = await NestFactory.createApplicationContext(root, { logger: false });
const publisher = app.get(FhirPublisher);
const bundles = buildTransactionBundles(resources, config.fhir);

async function direct() {
  for (const bundle of bundles) {
    const response = await fetch(server.baseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: JSON.stringify(bundle),
    });
    const answer = await response.json();
    if (!response.ok || answer.type !== 'transaction-response') {
      throw new Error(`direct POST failed: HTTP ${response.status}`);
    }
  }
}

async function viaPublisher() {
  const result = await publisher.publish(resources);
  if (result.created !== resources.length) {
    throw new Error(`publisher wrote ${JSON.stringify(result)}`);
  }
}

async function timed(run) {
  await server.reset();
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

try {
  await timed(direct); // warm-up: JIT, connection pool, the server's search indexes
  await timed(viaPublisher);
  const times = { direct: [], publisher: [] };
  for (let i = 0; i < rounds; i++) {
    times.direct.push(await timed(direct));
    times.publisher.push(await timed(viaPublisher));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rate = (s) => Math.round(observations / s);
  const directRate = rate(median(times.direct));
  const publisherRate = rate(median(times.publisher));
  console.log(
    JSON.stringify(
      {
        records: observations,
        resources: resources.length,
        bundles: bundles.length,
        batchSize,
        rounds,
        server: process.env.BENCH_SERVER ?? 'index',
        serverDelayMs,
        direct: { recordsPerSecond: directRate, medianSeconds: median(times.direct) },
        publisher: { recordsPerSecond: publisherRate, medianSeconds: median(times.publisher) },
        ratio: Number((publisherRate / directRate).toFixed(3)),
        goal: 0.8,
      },
      null,
      2,
    ),
  );
} finally {
  await app.close();
  await server.stop();
}
