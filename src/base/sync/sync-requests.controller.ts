import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, ServiceOnly } from '../../common/auth/auth.decorators.js';
import type { Principal } from '../../common/auth/principal.js';
import { ApiErrorResponses } from '../../common/errors/api-error.docs.js';
import { requestIdOf } from '../../common/http/request-id.js';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator.js';
import { SupportedProviderPipe } from '../supported-provider.pipe.js';
import {
  SyncRequestDto,
  SyncRequestParams,
  SyncTriggerResultDto,
  TriggerSyncDto,
} from './dto/sync-request.dto.js';
import { SyncRequestService } from './sync-request.service.js';

@ApiTags('sync')
@ApiBearerAuth()
@ServiceOnly()
@Controller('api/base/sync')
export class SyncRequestsController {
  constructor(private readonly requests: SyncRequestService) {}

  @Post('trigger')
  @HttpCode(202)
  @RateLimit('device_sync')
  @ApiOperation({
    summary: "Sync a patient's provider data now, over a window (service only)",
    description:
      'Queues a sync of the window (default: the lookback limit up to now) and answers with a sync request id ' +
      'whose progress GET /api/base/sync/requests/{id}/ reports. A start before the lookback limit ' +
      '(SYNC_INITIAL_LOOKBACK_DAYS), start not before end, or a data type the provider does not offer is a 400. ' +
      'While an identical request (link, window, data types) is queued or running, it is returned with ' +
      '`deduplicated: true` instead of queueing a second one.',
  })
  @ApiResponse({ status: 202, type: SyncTriggerResultDto })
  @ApiErrorResponses(400, 401, 403, 404, 409, 429)
  trigger(
    @Body() body: TriggerSyncDto,
    @Body('provider', SupportedProviderPipe) provider: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<SyncTriggerResultDto> {
    return this.requests.trigger(principal, body, provider, requestIdOf(req));
  }

  @Get('requests/:id')
  @ApiOperation({
    summary: 'Progress of an on-demand sync (service only)',
    description:
      'Status queued, running, completed or failed; provider chunks done and in all; records published; the ' +
      'error codes of failed attempts. Counts only, never health values.',
  })
  @ApiOkResponse({ type: SyncRequestDto })
  @ApiErrorResponses(400, 401, 403, 404)
  find(
    @Param() params: SyncRequestParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SyncRequestDto> {
    return this.requests.find(principal, params.id);
  }
}
