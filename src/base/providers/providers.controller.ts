import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../common/auth/auth.decorators.js';
import { ApiErrorResponses } from '../../common/errors/api-error.docs.js';
import { publicUrlOf } from '../../common/http/public-url.js';
import { PaginationQuery } from '../../common/pagination/pagination.js';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator.js';
import { AppConfig } from '../../config/app-config.js';
import { CapabilitiesDto } from './dto/capabilities.dto.js';
import { ProviderDto, ProviderPageDto } from './dto/provider.dto.js';
import { ProvidersService } from './providers.service.js';

@ApiTags('providers')
@Public()
@RateLimit('provider_info')
@Controller('api/base/providers')
export class ProvidersController {
  constructor(
    private readonly providers: ProvidersService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List providers (limit/offset pagination)' })
  @ApiOkResponse({ type: ProviderPageDto })
  @ApiErrorResponses(400)
  list(@Query() query: PaginationQuery, @Req() req: Request): Promise<ProviderPageDto> {
    return this.providers.list(query, publicUrlOf(req, this.config));
  }

  @Get('capabilities')
  @ApiOperation({ summary: 'Supported providers, data types, webhook endpoints and sync frequencies' })
  @ApiOkResponse({ type: CapabilitiesDto })
  capabilities(): CapabilitiesDto {
    return this.providers.capabilities();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One provider' })
  @ApiOkResponse({ type: ProviderDto })
  @ApiErrorResponses(404)
  get(@Param('id') id: string): Promise<ProviderDto> {
    return this.providers.get(/^\d{1,9}$/.test(id) ? Number(id) : Number.NaN);
  }
}
