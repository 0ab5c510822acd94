import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { Public } from '../common/auth/auth.decorators.js';

/** Prometheus scrape endpoint; its path is set by PrometheusModule (/api/metrics/metrics). */
@ApiTags('metrics')
@Public()
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({ summary: 'Prometheus metrics in text exposition format' })
  @ApiOkResponse({ description: 'text/plain; version=0.0.4', type: String })
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
