import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../common/auth/auth.decorators.js';
import { ShutdownState } from '../../common/shutdown/shutdown-state.js';
import { HealthDto, LivenessDto, ReadinessDto } from './dto/health.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('metrics')
@Public()
@Controller('api/metrics')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Database, Redis and queue checks with response times' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'At least one check failed' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthDto> {
    const report = await this.health.health();
    res.status(report.status === 'healthy' ? 200 : 503);
    return report;
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness probe: the database and Redis answer, and the process is not shutting down',
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessDto> {
    if (this.shutdown.draining) {
      // No dependency is asked: the answer must be immediate, and nothing they say would change it.
      res.status(503);
      return { ready: false, shutting_down: true, checks: { database: false, redis: false } };
    }
    const report = await this.health.readiness();
    res.status(report.ready ? 200 : 503);
    return report;
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness probe: the process answers; no dependency is checked' })
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessDto {
    return { alive: true, timestamp: Math.floor(Date.now() / 1000) };
  }
}
