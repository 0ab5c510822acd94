// Load and measurement helpers of bench/webhooks.mjs: Redis command counts and an open-loop paced client.
import { Agent, request } from 'node:http';

/** Calls per Redis command so far (INFO commandstats). */
export async function commandStats(redis) {
  const text = await redis.info('commandstats');
  const stats = new Map();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    stats.set(match[1], Number(match[2]));
  }
  return stats;
}

/**
 * Open-loop load at a constant rate, one request every 1000/rate ms (as wrk2 does). autocannon's overallRate
 * sends each connection's quota for the second back to back when the second starts, so its latencies are those
 * of bursts. Latency counts from the scheduled send time, so a server that stalls cannot hide it.
 */
export async function paced(port, path, rate, seconds, nextBody) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const latencies = [];
  const counts = { sent: rate * seconds, ok: 0, failed: 0 };
  const start = performance.now();
  const answers = [];
  for (let i = 0; i < counts.sent; i++) {
    const due = start + (i * 1000) / rate;
    if (due - performance.now() >= 1) {
      await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    }
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers });
    answers.push(
      new Promise((resolve) => {
        req.on('response', (res) => {
          res.resume().on('end', () => {
            latencies.push(performance.now() - due);
            counts[res.statusCode < 300 ? 'ok' : 'failed']++;
            resolve();
          });
        });
        req.on('error', () => resolve(counts.failed++));
      }),
    );
    req.end(nextBody());
  }
  await Promise.all(answers);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10;
  const [p50_ms, p99_ms, p99_9_ms, max_ms] = [0.5, 0.99, 0.999, 1].map(at);
  const rps = Math.round(counts.sent / ((performance.now() - start) / 1000));
  return { rps, ...counts, p50_ms, p99_ms, p99_9_ms, max_ms };
}
