import { request } from 'node:http';

/**
 * Sends one HEAD request and reports whether it answered 2xx. Any transport error or timeout counts as a
 * failed probe, as it does for a provider that cannot reach a subscriber's endpoint.
 */
export async function headProbe(url: URL, timeoutMs = 2000): Promise<{ ok: boolean; status?: number }> {
  if (url.protocol !== 'http:') {
    // The simulators only ever reach the service under test over plain loopback HTTP.
    return { ok: false };
  }
  return new Promise((resolve) => {
    const req = request(url, { method: 'HEAD', timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ ok: status >= 200 && status < 300, status });
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', () => {
      resolve({ ok: false });
    });
    req.end();
  });
}
