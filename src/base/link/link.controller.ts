import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth/auth.decorators.js';
import type { Principal } from '../../common/auth/principal.js';
import { ApiErrorResponses } from '../../common/errors/api-error.docs.js';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator.js';
import { EhrUserQuery } from '../sync/dto/sync.dto.js';
import { SupportedProviderPipe } from '../supported-provider.pipe.js';
import { LinkStatusDto } from './dto/link-status.dto.js';
import { LinkStatusService } from './link-status.service.js';

@ApiTags('link')
@ApiBearerAuth()
@Controller('api/base/link')
export class LinkController {
  constructor(private readonly links: LinkStatusService) {}

  @Get(':provider/status')
  @RateLimit('user_sync_status')
  @ApiOperation({ summary: "Whether a patient is linked to a provider, with the link's details" })
  @ApiParam({ name: 'provider', example: 'withings' })
  @ApiOkResponse({ type: LinkStatusDto })
  @ApiErrorResponses(400, 401, 404)
  status(
    @Param('provider', SupportedProviderPipe) provider: string,
    @Query() query: EhrUserQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<LinkStatusDto> {
    return this.links.status(principal, query.ehr_user_id, provider);
  }
}
