import { Controller, Delete, Get, HttpCode, Param, Post, Query, Redirect, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Public } from '../../common/auth/auth.decorators.js';
import type { Principal } from '../../common/auth/principal.js';
import { ApiErrorResponses } from '../../common/errors/api-error.docs.js';
import { publicBaseOf } from '../../common/http/public-url.js';
import { requestIdOf } from '../../common/http/request-id.js';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator.js';
import { AppConfig } from '../../config/app-config.js';
import { EhrUserQuery } from '../sync/dto/sync.dto.js';
import { SupportedProviderPipe } from '../supported-provider.pipe.js';
import { StartLinkQuery, UnlinkResultDto } from './dto/link-flow.dto.js';
import { LinkStatusDto } from './dto/link-status.dto.js';
import { LinkFlowService } from './link-flow.service.js';
import { LinkStatusService } from './link-status.service.js';
import { UnlinkService } from './unlink.service.js';

@ApiTags('link')
@ApiBearerAuth()
@Controller('api/base/link')
export class LinkController {
  constructor(
    private readonly links: LinkStatusService,
    private readonly flow: LinkFlowService,
    private readonly unlinks: UnlinkService,
    private readonly config: AppConfig,
  ) {}

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

  @Get(':provider/callback')
  @Public()
  @ApiOperation({
    summary: 'OAuth redirect target of the provider (the signed, single-use state is the proof)',
  })
  @ApiFoundResponse({
    description: 'To success_url, or error_url?error=<code>; JSON without redirect targets',
  })
  @ApiErrorResponses(400, 502)
  async callback(
    @Param('provider', SupportedProviderPipe) provider: string,
    @Query() query: Record<string, string | undefined>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const out = await this.flow.callback(provider, query, publicBaseOf(req, this.config), requestIdOf(req));
    if ('redirect' in out) {
      res.redirect(302, out.redirect);
    } else {
      res.status(out.status).json(out.body);
    }
  }

  @Get(':provider')
  @Redirect()
  @RateLimit('user_sync_status')
  @ApiOperation({ summary: "Start linking: 302 to the provider's consent page" })
  @ApiFoundResponse({ description: "Location: the provider's authorize URL" })
  @ApiErrorResponses(400, 401, 404, 503)
  async start(
    @Param('provider', SupportedProviderPipe) provider: string,
    @Query() q: StartLinkQuery,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<{ url: string; statusCode: number }> {
    const input = { ehrUserId: q.ehr_user_id, successUrl: q.success_url, errorUrl: q.error_url };
    return {
      url: await this.flow.start(principal, provider, input, publicBaseOf(req, this.config)),
      statusCode: 302,
    };
  }

  @Delete(':provider')
  @RateLimit('user_sync_status')
  @ApiOperation({ summary: 'Unlink: revoke at the provider, delete the tokens, withdraw queued jobs' })
  @ApiOkResponse({ type: UnlinkResultDto })
  @ApiErrorResponses(400, 401, 404)
  unlink(
    @Param('provider', SupportedProviderPipe) provider: string,
    @Query() q: EhrUserQuery,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<UnlinkResultDto> {
    return this.unlinks.unlink(principal, provider, q.ehr_user_id, requestIdOf(req));
  }

  @Post(':provider/unlink')
  @HttpCode(200)
  @RateLimit('user_sync_status')
  @ApiOperation({ summary: "Unlink (the original service's route); same as DELETE" })
  @ApiOkResponse({ type: UnlinkResultDto })
  @ApiErrorResponses(400, 401, 404)
  unlinkPost(
    @Param('provider', SupportedProviderPipe) provider: string,
    @Query() q: EhrUserQuery,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<UnlinkResultDto> {
    return this.unlink(provider, q, principal, req);
  }
}
