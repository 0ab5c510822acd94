// Throughput of the FHIR transformers on one core, against a baseline measured in the same run.
//
//   npx nest build && node bench/transformers.mjs [records=200000] [runs=5]
//
// Generates a deterministic mix of normalized records (seeded PRNG: every run sees the same data), times
// transformRecords at INDIVIDUAL and HOURLY granularity, both as one call over every record and as a sync job would
// (1,000 records per call), and times a bare JSON.parse(JSON.stringify(record)) copy of the same records as the
// baseline: the cheapest thing that touches every field. Each figure is the median of `runs` timed passes after a
// warm-up pass; records/s are wall-clock on one thread, cpuMs includes the collector's helper threads. Prints one
// JSON object. The machine's load average is printed too: on a shared machine, rerun when it is quiet.
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';

const modulePath = '../dist/src/transformers/fhir-transformer.js';
let transformRecords;
try {
  ({ transformRecords } = await import(modulePath));
} catch (error) {
  console.error(`Cannot load ${modulePath}: run \`npx nest build\` first.\n${String(error)}`);
  process.exit(1);
}

const RECORDS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 5);
const GOAL = 100_000;

// mulberry32: small, fast and deterministic.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(20261122);
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const DAY_START = Date.parse('2026-11-21T00:00:00Z');
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const OFFSETS = [0, 60, -300, 330, -480];

// Roughly what a day of wearable sync looks like: mostly intraday heart rate and steps, a few point measures,
// the odd RR window, and one 30 s ECG (9,000 samples) per ~5,000 records.
const MIX = [
  ['heart_rate', 45],
  ['steps', 20],
  ['spo2', 8],
  ['hrv', 7],
  ['resting_heart_rate', 2],
  ['rr_intervals', 3],
  ['weight', 3],
  ['body_fat', 2],
  ['blood_pressure', 3],
  ['body_temperature', 3],
  ['sleep', 3.98],
  ['ecg', 0.02],
];
const TOTAL_WEIGHT = MIX.reduce((s, [, w]) => s + w, 0);
function pickType() {
  let r = random() * TOTAL_WEIGHT;
  for (const [type, w] of MIX) {
    r -= w;
    if (r < 0) {
      return type;
    }
  }
  return 'heart_rate';
}

function makeRecord(i) {
  const p = int(0, 499);
  const provider = p % 2 === 0 ? 'withings' : 'fitbit';
  const offsetMinutes = OFFSETS[p % OFFSETS.length];
  const at = DAY_START + int(0, 86_399) * 1000;
  const type = pickType();
  const base = {
    type,
    provider,
    patient: { ehrUserId: `ehr-user-${p}`, fhirPatientId: String(10_000 + p) },
    nativeId: `${type}:${i}`,
    timing: { kind: 'instant', at: iso(at), offsetMinutes },
    device: { provider, nativeId: `${provider}-device-${p}-${i % 2}` },
  };
  const period = (ms) => ({ kind: 'period', start: iso(at), end: iso(at + ms), offsetMinutes });
  switch (type) {
    case 'heart_rate':
      return { ...base, bpm: int(48, 150) };
    case 'steps':
      return { ...base, timing: period(60_000 * int(1, 15)), count: int(0, 1800) };
    case 'spo2':
      return { ...base, percent: int(90, 100) };
    case 'hrv':
      return { ...base, metric: random() < 0.5 ? 'sdnn' : 'rmssd', ms: int(150, 900) / 10 };
    case 'resting_heart_rate':
      return { ...base, timing: period(86_400_000), bpm: int(45, 80) };
    case 'rr_intervals': {
      const intervalsMs = Array.from({ length: 60 }, () => int(600, 1100));
      return { ...base, timing: period(60_000), intervalsMs, heartRateBpm: int(55, 100) };
    }
    case 'weight':
      return { ...base, kg: int(45_000, 130_000) / 1000 };
    case 'body_fat':
      return { ...base, percent: int(80, 400) / 10 };
    case 'blood_pressure':
      return { ...base, systolicMmHg: int(95, 170), diastolicMmHg: int(55, 105), pulseBpm: int(50, 100) };
    case 'body_temperature':
      return { ...base, celsius: int(320, 390) / 10, site: random() < 0.5 ? 'body' : 'skin' };
    case 'sleep':
      return {
        ...base,
        timing: period(3_600_000 * int(4, 9)),
        asleepMinutes: int(200, 500),
        stages: {
          deepMinutes: int(30, 120),
          lightMinutes: int(100, 300),
          remMinutes: int(40, 140),
          awakeMinutes: int(5, 60),
        },
      };
    default:
      return {
        ...base,
        samplingFrequencyHz: 300,
        samples: Array.from({ length: 9000 }, () => int(-1500, 1500)),
        factor: 1,
        unit: 'uV',
        lead: 'I',
        classification: 'sinus_rhythm',
        heartRateBpm: int(50, 110),
      };
  }
}

// Ordered as sync jobs deliver them: one patient's data at a time, in time order.
const startOf = (r) => (r.timing.kind === 'instant' ? r.timing.at : r.timing.start);
const generated = Array.from({ length: RECORDS }, (_, i) => makeRecord(i)).sort(
  (a, b) =>
    a.patient.ehrUserId.localeCompare(b.patient.ehrUserId) ||
    (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : 0),
);
// Records reach the transformer from JSON (provider responses, job payloads), so they sit together in memory
// and their strings are flat. The generator's own objects are neither: sorted, they are scattered across the
// heap, and its template-built ids are ropes, which made the same records measure up to twice as slow. The
// JSON copy is what is timed; `scatteredPerJob` keeps one figure on the generator's objects for comparison.
const records = JSON.parse(JSON.stringify(generated));
const issued = '2026-11-22T12:00:00Z';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Garbage-collection pauses, from the runtime's own performance entries (delivered after the timed loop).
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function measure(fn) {
  fn(); // warm-up: JIT and inline caches, not timed
  await settle();
  const wall = [];
  const cpu = [];
  const gc = [];
  let produced = 0;
  for (let r = 0; r < RUNS; r++) {
    gcMs = 0;
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    produced = fn();
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    await settle();
    gc.push(gcMs);
  }
  const ms = median(wall);
  return {
    medianMs: Math.round(ms),
    cpuMs: Math.round(median(cpu)),
    gcPauseMs: Math.round(median(gc)),
    recordsPerSecPerCore: Math.round(RECORDS / (ms / 1000)),
    produced,
  };
}

// A sync job transforms one provider response at a time; 1,000 records is a generous page.
const JOB = 1000;
function perJob(aggregation, from = records) {
  let n = 0;
  for (let i = 0; i < from.length; i += JOB) {
    n += transformRecords(from.slice(i, i + JOB), { issued, aggregation }).length;
  }
  return n;
}

const baseline = await measure(() => {
  let n = 0;
  for (const record of records) {
    n += JSON.parse(JSON.stringify(record)) === null ? 0 : 1;
  }
  return n;
});
const results = {
  individual: await measure(() => transformRecords(records, { issued, aggregation: 'INDIVIDUAL' }).length),
  hourly: await measure(() => transformRecords(records, { issued, aggregation: 'HOURLY' }).length),
  individualPerJob: await measure(() => perJob('INDIVIDUAL')),
  hourlyPerJob: await measure(() => perJob('HOURLY')),
  scatteredPerJob: await measure(() => perJob('INDIVIDUAL', generated)),
};

const out = {
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
  loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  records: RECORDS,
  runs: RUNS,
  jobSize: JOB,
  baseline: { what: 'JSON.parse(JSON.stringify(record)) per record', ...baseline, produced: undefined },
};
for (const [name, r] of Object.entries(results)) {
  out[name] = {
    ...r,
    resources: r.produced,
    produced: undefined,
    ratioToBaseline: Math.round((r.recordsPerSecPerCore / baseline.recordsPerSecPerCore) * 100) / 100,
  };
}
out.goalRecordsPerSecPerCore = GOAL;
out.meetsGoal = Object.fromEntries(
  Object.entries(results).map(([k, r]) => [k, r.recordsPerSecPerCore >= GOAL]),
);
console.log(JSON.stringify(out, null, 2));
