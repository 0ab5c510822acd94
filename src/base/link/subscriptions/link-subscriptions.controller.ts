import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, ServiceOnly } from '../../../common/auth/auth.decorators.js';
import type { Principal } from '../../../common/auth/principal.js';
import { ApiErrorResponses } from '../../../common/errors/api-error.docs.js';
import { requestIdOf } from '../../../common/http/request-id.js';
import { ResyncRejectedParams as LinkParams } from '../../sync/dto/resync.dto.js';
import { SupportedProviderPipe } from '../../supported-provider.pipe.js';
import { LinkSubscriptionsDto, SubscriptionRepairDto } from './dto/link-subscriptions.dto.js';
import { LinkSubscriptionsApiService } from './link-subscriptions-api.service.js';

@ApiTags('operations')
@ApiBearerAuth()
@ServiceOnly()
@Controller('api/base/links/:ehr_user_id/:provider/subscriptions')
export class LinkSubscriptionsController {
  constructor(private readonly subscriptions: LinkSubscriptionsApiService) {}

  @Get()
  @ApiOperation({
    summary: "A link's provider subscriptions and whether each is current (service only)",
    description: 'Asks the provider (Withings notify list); Google Health links answer scope `project`.',
  })
  @ApiOkResponse({ type: LinkSubscriptionsDto })
  @ApiErrorResponses(400, 401, 403, 404, 409, 502)
  show(
    @Param() params: LinkParams,
    @Param('provider', SupportedProviderPipe) provider: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<LinkSubscriptionsDto> {
    return this.subscriptions.show(principal, params.ehr_user_id, provider);
  }

  @Post('repair')
  @HttpCode(200)
  @ApiOperation({
    summary: "Repair a link's provider subscriptions now (service only, audited)",
    description:
      'The nightly check for one link: subscribes what is missing, moves what points at an old URL.',
  })
  @ApiOkResponse({ type: SubscriptionRepairDto })
  @ApiErrorResponses(400, 401, 403, 404, 409, 502)
  repair(
    @Param() params: LinkParams,
    @Param('provider', SupportedProviderPipe) provider: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<SubscriptionRepairDto> {
    return this.subscriptions.repair(principal, params.ehr_user_id, provider, requestIdOf(req));
  }
}
