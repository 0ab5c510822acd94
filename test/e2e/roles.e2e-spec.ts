import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';

describe('process roles', () => {
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('should serve only probes and metrics in a worker process', async () => {
    t = await startApp({ ROLE: 'worker' });
    expect(t.config.runsApi).toBe(false);
    await t.http().get('/api/metrics/live/').expect(200);
    await t.http().get('/api/metrics/health/').expect(200);
    const metrics = await t.http().get('/api/metrics/metrics/').expect(200);
    expect(metrics.text).toMatch(/ohe_application_info\{version="[\d.]+",role="worker"\} 1/);
    await t.http().get('/api/base/providers/').expect(404);
    await t.http().get('/api/docs-json').expect(404);
  });

  it('should serve the REST API in an api process', async () => {
    t = await startApp({ ROLE: 'api' });
    expect(t.config.runsWorkers).toBe(false);
    await t.http().get('/api/base/providers/').expect(200);
    await t.http().get('/api/docs-json').expect(200);
  });
});
