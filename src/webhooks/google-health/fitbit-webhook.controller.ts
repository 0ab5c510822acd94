import {
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Post,
  Query,
  Req,
  Res,
  type RawBodyRequest,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNoContentResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../common/auth/auth.decorators.js';
import { ApiError, NotFoundError, UnauthorizedError } from '../../common/errors/api-error.js';
import { ApiErrorResponses } from '../../common/errors/api-error.docs.js';
import { AppConfig } from '../../config/app-config.js';
import { WebhookLimiter } from '../shared/webhook-limiter.service.js';
import { WebhookStatsService } from '../stats/webhook-stats.service.js';
import { secretsMatch } from '../withings/withings-webhook.guard.js';
import { WebhookAcceptedDto } from '../withings/withings-notification.dto.js';
import {
  GoogleNotificationEnvelopeDto,
  GoogleVerificationDto,
  LegacyFitbitNotificationDto,
} from './dto/fitbit-webhook.dto.js';
import { legacySignatureValid, parseLegacyNotifications, verificationCodeMatches } from './fitbit-legacy.js';
import { FITBIT_PROVIDER, FitbitWebhookService } from './fitbit-webhook.service.js';
import { isVerificationRequest, parseGoogleNotifications } from './google-envelopes.js';
import { GoogleSignatureVerifier } from './google-signature.verifier.js';

/** Header names are lower-case in Node; Google's docs disagree on the name, so both are read. */
const GOOGLE_SIGNATURE_HEADERS = ['x-healthapi-signature', 'google-health-api-signature'] as const;

/** The Authorization header Google replays is the registered secret verbatim, with or without `Bearer `. */
export function authorizationMatches(header: string, secret: string): boolean {
  const verbatim = secretsMatch(header, secret);
  const bearer = secretsMatch(header, `Bearer ${secret}`);
  return verbatim || bearer;
}

function headerValues(req: Request, names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const value = req.headers[name];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  });
}

/** The raw JSON body the signatures cover; the parsed body only counts once that is known to exist. */
function rawJsonBody(req: RawBodyRequest<Request>): Buffer {
  if (req.is('application/json') === false) {
    throw new ApiError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported_media_type',
      'Content-Type must be application/json',
    );
  }
  if (req.rawBody === undefined || req.rawBody.length === 0) {
    throw new ApiError(HttpStatus.BAD_REQUEST, 'bad_request', 'A JSON request body is required');
  }
  return req.rawBody;
}

/**
 * /webhooks/fitbit/ serves Fitbit accounts as the Google Health API now delivers them (verification handshake
 * and signed notifications) and the legacy Fitbit Web API subscriber contract, told apart by body and headers.
 * Nothing is stored unless its signature verified against the raw bytes received.
 */
@ApiTags('webhooks')
@Public()
@ApiExtraModels(GoogleVerificationDto, GoogleNotificationEnvelopeDto, LegacyFitbitNotificationDto)
@Controller('webhooks/fitbit')
export class FitbitWebhookController {
  private readonly handshakeSecret: string | undefined;
  private readonly legacyCode: string | undefined;
  private readonly legacySecret: string | undefined;

  constructor(
    config: AppConfig,
    private readonly verifier: GoogleSignatureVerifier,
    private readonly webhooks: FitbitWebhookService,
    private readonly stats: WebhookStatsService,
    private readonly limiter: WebhookLimiter,
  ) {
    this.handshakeSecret = config.linking.googleHealth.webhookSecret;
    this.legacyCode = config.webhooks.fitbitVerificationCode;
    this.legacySecret = config.webhooks.fitbitClientSecret;
  }

  @Get()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Legacy Fitbit subscriber verification',
    description: '204 when ?verify= equals FITBIT_VERIFICATION_CODE; 404 otherwise, and always when unset.',
  })
  @ApiQuery({ name: 'verify', required: false, type: String })
  @ApiNoContentResponse({ description: 'The verification code matches' })
  @ApiErrorResponses(404)
  verifySubscriber(
    @Query('verify') verify: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): void {
    if (!verificationCodeMatches(verify, this.legacyCode)) {
      this.limiter.refuse(req, new NotFoundError('Unknown verification code'));
    }
    this.limiter.admitVerified(FITBIT_PROVIDER, res);
  }

  @Post()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Google Health API notifications, its verification handshake, and legacy Fitbit notifications',
    description:
      '`{"type":"verification"}`: 201 when Authorization equals GOOGLE_HEALTH_WEBHOOK_SECRET (verbatim or as ' +
      '`Bearer <secret>`), else 401. Notifications (an array of envelopes, or one): ECDSA P-256 signature of ' +
      'the raw body in X-HEALTHAPI-SIGNATURE or GOOGLE-HEALTH-API-SIGNATURE, checked against the Tink keyset; ' +
      '204 once stored, 503 when the keyset cannot be loaded. Legacy: X-Fitbit-Signature (base64 HMAC-SHA1 ' +
      'keyed with `<FITBIT_CLIENT_SECRET>&`), answered 202 with the spec body.',
  })
  @ApiConsumes('application/json')
  @ApiHeader({ name: 'X-HEALTHAPI-SIGNATURE', required: false, description: 'Google notification signature' })
  @ApiHeader({ name: 'GOOGLE-HEALTH-API-SIGNATURE', required: false, description: 'Same, newer name' })
  @ApiHeader({ name: 'X-Fitbit-Signature', required: false, description: 'Legacy Fitbit signature' })
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(GoogleVerificationDto) },
        { type: 'array', maxItems: 100, items: { $ref: getSchemaPath(GoogleNotificationEnvelopeDto) } },
        { $ref: getSchemaPath(GoogleNotificationEnvelopeDto) },
        { type: 'array', maxItems: 100, items: { $ref: getSchemaPath(LegacyFitbitNotificationDto) } },
      ],
    },
  })
  @ApiCreatedResponse({ description: 'Verification handshake accepted (empty body)' })
  @ApiNoContentResponse({ description: 'Google notifications verified and stored' })
  @ApiAcceptedResponse({ type: WebhookAcceptedDto, description: 'Legacy Fitbit notifications accepted' })
  @ApiErrorResponses(400, 401, 413, 415, 503)
  async receive(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<WebhookAcceptedDto | undefined> {
    const raw = rawJsonBody(req);
    const body: unknown = req.body;
    if (isVerificationRequest(body)) {
      this.checkHandshake(req);
      this.limiter.admitVerified(FITBIT_PROVIDER, res);
      res.status(HttpStatus.CREATED);
      return undefined;
    }
    const legacySignature = req.headers['x-fitbit-signature'];
    if (typeof legacySignature === 'string') {
      if (!legacySignatureValid(raw, legacySignature, this.legacySecret)) {
        this.limiter.refuse(req, new UnauthorizedError('Invalid signature'));
      }
      this.limiter.admitVerified(FITBIT_PROVIDER, res);
      res.status(HttpStatus.ACCEPTED);
      return this.receiveLegacy(body);
    }
    await this.verifyGoogle(req, raw);
    this.limiter.admitVerified(FITBIT_PROVIDER, res);
    const queued = await this.webhooks.acceptGoogle(parseGoogleNotifications(body));
    this.stats.recordNotification(FITBIT_PROVIDER, queued);
    return undefined;
  }

  /** Google's first handshake POST carries the secret and wants 201; its second carries none and wants 401. */
  private checkHandshake(req: Request): void {
    const secret = this.handshakeSecret;
    const authorization = req.headers.authorization;
    if (secret === undefined || authorization === undefined || !authorizationMatches(authorization, secret)) {
      this.limiter.refuse(req, new UnauthorizedError('Invalid webhook authorization'));
    }
  }

  /** Refuses (counted against the source address) anything whose signature does not verify. */
  private async verifyGoogle(req: Request, raw: Buffer): Promise<void> {
    const signatures = headerValues(req, GOOGLE_SIGNATURE_HEADERS);
    if (signatures.length === 0) {
      this.limiter.refuse(req, new UnauthorizedError('Missing signature'));
    }
    // Live notifications omit Authorization after the handshake (research §5); one that is sent must match.
    const authorization = req.headers.authorization;
    if (
      this.handshakeSecret !== undefined &&
      authorization !== undefined &&
      !authorizationMatches(authorization, this.handshakeSecret)
    ) {
      this.limiter.refuse(req, new UnauthorizedError('Invalid webhook authorization'));
    }
    if (!(await this.verifier.verify(raw, signatures))) {
      this.limiter.refuse(req, new UnauthorizedError('Invalid signature'));
    }
  }

  private async receiveLegacy(body: unknown): Promise<WebhookAcceptedDto> {
    const queued = await this.webhooks.acceptLegacy(parseLegacyNotifications(body));
    this.stats.recordNotification(FITBIT_PROVIDER, queued);
    return {
      status: 'accepted',
      provider: FITBIT_PROVIDER,
      sync_tasks_queued: queued,
      timestamp: new Date().toISOString(),
    };
  }
}
