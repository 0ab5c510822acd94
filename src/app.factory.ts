import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { createValidationPipe } from './common/http/validation.pipe.js';
import { SERVICE_VERSION } from './common/version.js';
import type { AppConfig } from './config/app-config.js';
import { mountWebhookPipeline } from './webhooks/shared/webhook-pipeline.js';

/** Bodies larger than this are refused with 413 (webhook payloads are small; nothing legitimate comes near). */
export const MAX_BODY = '64kb';

function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Open Health Exchange')
      .setDescription(
        "Links patients' wearable accounts (Withings; Fitbit through the Google Health API) and delivers their " +
          'data to FHIR R5 servers. Send `Accept: application/json; version=1`; user routes need a bearer JWT ' +
          'or API key.',
      )
      .setVersion(SERVICE_VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'OIDC access token or ohe_ API key' })
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}

/** Builds the configured application without listening, so main.ts and the tests share one assembly. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    // Start-up failures are thrown to the caller (main.ts prints them) instead of aborting the process.
    abortOnError: false,
    rawBody: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  // Browser-facing headers; provider webhooks are machine-to-machine and on the hottest path, so they go without.
  const browserHeaders = helmet();
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/webhooks/')) {
      next();
    } else {
      browserHeaders(req, res, next);
    }
  });
  app.useBodyParser('json', { limit: MAX_BODY });
  app.useBodyParser('urlencoded', { limit: MAX_BODY, extended: false });
  if (config.runsApi) {
    // Genuine notifications are answered below Nest's router (webhook-pipeline.ts); the rest reach the controllers.
    mountWebhookPipeline(app);
  }
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  if (config.swaggerEnabled && config.runsApi) {
    setupSwagger(app);
  }
  return app;
}
