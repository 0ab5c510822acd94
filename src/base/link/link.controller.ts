import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
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
import { preferredType } from '../../common/http/content-negotiation.js';
import { publicBaseOf } from '../../common/http/public-url.js';
import { requestIdOf } from '../../common/http/request-id.js';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator.js';
import { AppConfig } from '../../config/app-config.js';
import { EhrUserQuery } from '../sync/dto/sync.dto.js';
import { SupportedProviderPipe } from '../supported-provider.pipe.js';
import {
  ConfirmLinkBody,
  LinkConfirmedDto,
  LinkStartDto,
  StartLinkQuery,
  UnlinkResultDto,
} from './dto/link-flow.dto.js';
import { LinkConfirmationService } from './link-confirmation.service.js';
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
    private readonly confirmation: LinkConfirmationService,
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
    description:
      'To success_url?confirmation_code=…&provider=… (or success_url itself when LINK_CONFIRMATION=off), or ' +
      'error_url?error=<code> (access_denied, invalid_request, token_exchange_failed, account_linked_elsewhere); ' +
      'JSON without redirect targets',
  })
  @ApiErrorResponses(400, 409, 502)
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
  @RateLimit('user_sync_status')
  @ApiOperation({
    summary: "Start linking: 302 to the provider's consent page, or JSON with Accept: application/json",
    description:
      'A browser navigating here is redirected. A caller that prefers `application/json` (a single-page app ' +
      'using fetch) gets the authorization URL to open itself.',
  })
  @ApiFoundResponse({ description: "Location: the provider's authorize URL" })
  @ApiOkResponse({ type: LinkStartDto, description: 'With `Accept: application/json`' })
  @ApiErrorResponses(400, 401, 404, 503)
  async start(
    @Param('provider', SupportedProviderPipe) provider: string,
    @Query() q: StartLinkQuery,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const input = { ehrUserId: q.ehr_user_id, successUrl: q.success_url, errorUrl: q.error_url };
    const { url, expiresAt } = await this.flow.start(
      principal,
      provider,
      input,
      publicBaseOf(req, this.config),
    );
    if (preferredType(req.headers.accept, ['text/html', 'application/json']) === 'application/json') {
      res.json({ authorization_url: url, expires_at: expiresAt.toISOString() } satisfies LinkStartDto);
    } else {
      res.redirect(302, url);
    }
  }

  @Post(':provider/confirm')
  @HttpCode(200)
  @RateLimit('user_sync_status')
  @ApiOperation({
    summary: 'Confirm a pending link with a credential of the patient it was started for',
    description:
      'The callback adds `confirmation_code` to success_url instead of linking at once (LINK_CONFIRMATION=' +
      'required). A code confirmed for another patient is discarded and audited; every unknown, expired, used ' +
      "or someone else's code answers the same 404.",
  })
  @ApiOkResponse({ type: LinkConfirmedDto })
  @ApiErrorResponses(400, 401, 404, 409)
  confirm(
    @Param('provider', SupportedProviderPipe) provider: string,
    @Body() body: ConfirmLinkBody,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<LinkConfirmedDto> {
    const input = { code: body.confirmation_code, ehrUserId: body.ehr_user_id };
    return this.confirmation.confirm(principal, provider, input, requestIdOf(req));
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
