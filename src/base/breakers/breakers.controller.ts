import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, ServiceOnly } from '../../common/auth/auth.decorators.js';
import type { Principal } from '../../common/auth/principal.js';
import { ApiErrorResponses } from '../../common/errors/api-error.docs.js';
import { requestIdOf } from '../../common/http/request-id.js';
import { BreakersService } from './breakers.service.js';
import { BreakerClosedDto, BreakerListDto, BreakerParams } from './dto/breaker.dto.js';

@ApiTags('operations')
@ApiBearerAuth()
@ServiceOnly()
@Controller('api/base/breakers')
export class BreakersController {
  constructor(private readonly breakers: BreakersService) {}

  @Get()
  @ApiOperation({
    summary: 'Every circuit breaker with its shared state (service only)',
    description:
      'One per provider (`provider:<type>`) and the FHIR target (`fhir`), as every process sees them.',
  })
  @ApiOkResponse({ type: BreakerListDto })
  @ApiErrorResponses(401, 403)
  list(@CurrentPrincipal() principal: Principal, @Req() req: Request): Promise<BreakerListDto> {
    return this.breakers.list(principal, requestIdOf(req));
  }

  @Post(':name/close')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Force-close a circuit breaker for every process (service only, audited)',
    description: 'Drops its counts so calls flow again at once; a provider still failing opens it again.',
  })
  @ApiOkResponse({ type: BreakerClosedDto })
  @ApiErrorResponses(400, 401, 403, 404)
  close(
    @Param() params: BreakerParams,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<BreakerClosedDto> {
    return this.breakers.close(principal, params.name, requestIdOf(req));
  }
}
