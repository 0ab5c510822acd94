import { Body, Controller, Get, Head, Header, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { ApiAcceptedResponse, ApiConsumes, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth/auth.decorators.js';
import { ApiErrorResponses } from '../../common/errors/api-error.docs.js';
import {
  ChallengeQueryDto,
  WebhookAcceptedDto,
  WithingsNotificationDto,
} from './withings-notification.dto.js';
import { WebhookLimiter } from '../shared/webhook-limiter.service.js';
import { WebhookStatsService } from '../stats/webhook-stats.service.js';
import { WithingsWebhookGuard } from './withings-webhook.guard.js';
import { WithingsWebhookService } from './withings-webhook.service.js';

/**
 * Withings notify callbacks at /webhooks/withings/<WITHINGS_WEBHOOK_SECRET>, the URL the subscription code
 * registers. The token-less GET/HEAD answer the spec's challenge echo.
 */
@ApiTags('webhooks')
@Public()
@Controller('webhooks/withings')
export class WithingsWebhookController {
  constructor(
    private readonly webhooks: WithingsWebhookService,
    private readonly stats: WebhookStatsService,
    private readonly limiter: WebhookLimiter,
  ) {}

  @Head()
  @ApiExcludeEndpoint()
  probe(@Req() req: Request): void {
    // Withings sends HEAD to the callback at subscribe time and wants a 2xx. No credential: limited per address.
    this.limiter.admitUnverified(req);
  }

  @Get()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'Verification: echoes ?challenge= as text/plain' })
  challenge(@Query() query: ChallengeQueryDto, @Req() req: Request): string {
    this.limiter.admitUnverified(req);
    return query.challenge ?? '';
  }

  @Head(':token')
  @UseGuards(WithingsWebhookGuard)
  @ApiExcludeEndpoint()
  probeCallback(): void {
    // As probe(), for the registered callback URL.
  }

  @Get(':token')
  @UseGuards(WithingsWebhookGuard)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'Verification on the callback URL: echoes ?challenge= as text/plain' })
  challengeCallback(@Query() query: ChallengeQueryDto): string {
    return query.challenge ?? '';
  }

  /**
   * A verified notification with a valid body is answered by the webhook pipeline before Nest's router
   * (src/webhooks/shared/webhook-pipeline.ts, same answer); this handler documents the route and answers what the
   * pipeline passed on: refusals (404, 403, 429 for the source address), invalid bodies (400) and unusual ones.
   */
  @Post(':token')
  @UseGuards(WithingsWebhookGuard)
  @HttpCode(202)
  @ApiOperation({ summary: 'Withings data-update notification (form-encoded or JSON)' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiAcceptedResponse({ type: WebhookAcceptedDto })
  @ApiErrorResponses(400, 403, 404, 413)
  async notify(@Body() body: WithingsNotificationDto): Promise<WebhookAcceptedDto> {
    const result = await this.webhooks.accept(body);
    this.stats.recordNotification(result.provider, result.sync_tasks_queued);
    return result;
  }
}
