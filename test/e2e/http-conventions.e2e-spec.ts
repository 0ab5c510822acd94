import { Controller, Get, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllExceptionsFilter } from '../../src/common/errors/all-exceptions.filter.js';
import { startApp, type TestApp } from '../support/app.js';

const ERROR_KEYS = ['details', 'error', 'message', 'request_id', 'timestamp'];

describe('HTTP conventions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('request ids', () => {
    it('should echo a well-formed X-Request-ID and use it in error bodies', async () => {
      const res = await t
        .http()
        .get('/api/base/providers/999999/')
        .set('X-Request-ID', 'req-12345-67890')
        .expect(404);
      expect(res.headers['x-request-id']).toBe('req-12345-67890');
      expect(res.body.request_id).toBe('req-12345-67890');
    });

    it.each([['has spaces'], ['"quoted"'], ['a'.repeat(129)], ['line\\nbreak']])(
      'should replace an unsafe X-Request-ID (%s) with a generated one',
      async (given) => {
        const res = await t.http().get('/api/metrics/live/').set('X-Request-ID', given).expect(200);
        expect(res.headers['x-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
      },
    );

    it('should generate an id when none is sent', async () => {
      const a = await t.http().get('/api/metrics/live/').expect(200);
      const b = await t.http().get('/api/metrics/live/').expect(200);
      expect(a.headers['x-request-id']).toMatch(/^req-/);
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });
  });

  describe('versioning by Accept header', () => {
    it.each([['application/json; version=1'], ['application/json'], ['*/*']])(
      'should accept %s',
      async (accept) => {
        await t.http().get('/api/base/providers/').set('Accept', accept).expect(200);
      },
    );

    it.each([
      ['application/json; version=2'],
      ['application/json; version=0'],
      ['application/json; version="1.1"'],
    ])('should answer 406 in the error shape for %s', async (accept) => {
      const res = await t.http().get('/api/base/providers/').set('Accept', accept).expect(406);
      expect(Object.keys(res.body).sort()).toEqual(ERROR_KEYS);
      expect(res.body).toMatchObject({ error: 'not_acceptable', details: { supported_versions: ['1'] } });
    });
  });

  describe('errors', () => {
    it('should answer unknown routes with 404 in the error shape', async () => {
      for (const path of ['/api/base/nothing-here/', '/totally/unknown', '/webhooks/garmin/']) {
        const res = await t.http().get(path).expect(404);
        expect(Object.keys(res.body).sort()).toEqual(ERROR_KEYS);
        expect(res.body.error).toBe('not_found');
        expect(res.body.request_id).toBe(res.headers['x-request-id']);
        expect(Date.parse(res.body.timestamp)).not.toBeNaN();
      }
    });

    it('should answer a malformed JSON body with 400, not 500', async () => {
      const res = await t
        .http()
        .post('/api/base/providers/')
        .set('Content-Type', 'application/json')
        .send('{"heart_rate": "HR-VALUE-MARKER", oops')
        .expect(400);
      expect(res.body).toMatchObject({ error: 'bad_request', message: 'Malformed request body' });
      expect(JSON.stringify(res.body)).not.toContain('HR-VALUE-MARKER');
    });

    it('should refuse bodies over 64 KB with 413', async () => {
      const res = await t
        .http()
        .post('/api/base/providers/')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ pad: 'x'.repeat(70 * 1024) }))
        .expect(413);
      expect(res.body.error).toBe('payload_too_large');
    });

    it('should set security headers and hide the framework', async () => {
      const res = await t.http().get('/api/metrics/live/').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });

  describe('OpenAPI', () => {
    it('should serve Swagger UI and the OpenAPI document with every route', async () => {
      const ui = await t.http().get('/api/docs').redirects(1).expect(200);
      expect(ui.text).toContain('swagger-ui');
      const doc = await t.http().get('/api/docs-json').expect(200);
      const paths = doc.body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
      for (const p of [
        '/api/base/providers',
        '/api/base/providers/capabilities',
        '/api/base/providers/{id}',
        '/api/base/sync/status',
        '/api/base/sync/providers',
        '/api/base/link/{provider}/status',
        '/api/base/link/{provider}',
        '/api/base/link/{provider}/callback',
        '/api/metrics/health',
        '/api/metrics/ready',
        '/api/metrics/live',
        '/api/metrics/metrics',
      ]) {
        expect(paths[p]?.['get'], p).toBeDefined();
      }
      expect(paths['/api/base/link/{provider}']?.['delete'], 'unlink').toBeDefined();
      expect(paths['/api/base/link/{provider}/unlink']?.['post'], 'unlink (POST)').toBeDefined();
      expect(Object.keys(paths['/api/base/sync/status']!['get']!.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '404', '406', '429']),
      );
      const patients = paths['/api/base/patients/{ehr_user_id}'];
      expect(Object.keys(patients ?? {}).sort(), 'patients').toEqual(
        expect.arrayContaining(['delete', 'get', 'put']),
      );
      expect(Object.keys(patients!['put']!.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '403', '409', '422', '503']),
      );
      expect(doc.body.components.schemas.ErrorBodyDto.properties).toHaveProperty('request_id');
      expect(doc.body.components.securitySchemes).toHaveProperty('bearer');
    });
  });
});

@Controller('boom')
class BoomController {
  @Get()
  boom(): never {
    throw new Error('database password is hunter2');
  }
}

@Module({ controllers: [BoomController] })
class BoomModule {}

describe(AllExceptionsFilter.name, () => {
  it('should turn an unexpected error into a 500 with a request id and no internals', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [BoomModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
    try {
      const res = await supertest(app.getHttpServer()).get('/boom').expect(500);
      expect(Object.keys(res.body).sort()).toEqual(ERROR_KEYS);
      expect(res.body).toMatchObject({ error: 'internal_error', message: 'An unexpected error occurred' });
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
      expect(JSON.stringify(res.body)).not.toContain('at ');
    } finally {
      await app.close();
    }
  });
});
