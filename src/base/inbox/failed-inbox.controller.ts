import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, ServiceOnly } from '../../common/auth/auth.decorators.js';
import type { Principal } from '../../common/auth/principal.js';
import { ApiErrorResponses } from '../../common/errors/api-error.docs.js';
import { publicUrlOf } from '../../common/http/public-url.js';
import { requestIdOf } from '../../common/http/request-id.js';
import { AppConfig } from '../../config/app-config.js';
import {
  FailedInboxPageDto,
  FailedInboxQuery,
  ReplayFailedDto,
  ReplayResultDto,
} from './dto/failed-inbox.dto.js';
import { FailedInboxService } from './failed-inbox.service.js';

@ApiTags('inbox')
@ApiBearerAuth()
@ServiceOnly()
@Controller('api/base/inbox/failed')
export class FailedInboxController {
  constructor(
    private readonly failed: FailedInboxService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Notifications whose job failed for good (service only; newest first, limit/offset pagination)',
  })
  @ApiOkResponse({ type: FailedInboxPageDto })
  @ApiErrorResponses(400, 401, 403)
  list(@Query() query: FailedInboxQuery, @Req() req: Request): Promise<FailedInboxPageDto> {
    return this.failed.list(query, publicUrlOf(req, this.config));
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put failed notifications back in the queue under their job id (service only; audited)',
  })
  @ApiOkResponse({ type: ReplayResultDto })
  @ApiErrorResponses(400, 401, 403)
  replay(
    @Body() body: ReplayFailedDto,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<ReplayResultDto> {
    return this.failed.replay(body, principal, requestIdOf(req));
  }
}
