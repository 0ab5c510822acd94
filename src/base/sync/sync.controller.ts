import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, ServiceOnly } from '../../common/auth/auth.decorators.js';
import { requestIdOf } from '../../common/http/request-id.js';
import type { Principal } from '../../common/auth/principal.js';
import { ApiErrorResponses } from '../../common/errors/api-error.docs.js';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator.js';
import { SupportedProviderPipe } from '../supported-provider.pipe.js';
import {
  AllProvidersSyncStatusDto,
  ConnectedProvidersDto,
  EhrUserQuery,
  ProviderSyncSummaryDto,
  SingleProviderSyncStatusDto,
  SyncStatusQuery,
} from './dto/sync.dto.js';
import { SyncStatusService } from './sync-status.service.js';
import { DeviceSyncTriggerService } from './device-sync-trigger.service.js';
import { DeviceSyncResultDto, TriggerDeviceSyncDto } from './dto/device-sync.dto.js';
import { ResyncRejectedDto, ResyncRejectedParams } from './dto/resync.dto.js';
import { ResyncRejectedService } from './resync-rejected.service.js';

@ApiTags('sync')
@ApiBearerAuth()
@ApiExtraModels(SingleProviderSyncStatusDto, AllProvidersSyncStatusDto, ProviderSyncSummaryDto)
@RateLimit('user_sync_status')
@Controller('api/base/sync')
export class SyncController {
  constructor(
    private readonly sync: SyncStatusService,
    private readonly deviceSync: DeviceSyncTriggerService,
    private readonly resync: ResyncRejectedService,
  ) {}

  @Get('status')
  @ApiOperation({ summary: "A patient's sync status, for one provider or all of them" })
  @ApiOkResponse({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(SingleProviderSyncStatusDto) },
        { $ref: getSchemaPath(AllProvidersSyncStatusDto) },
      ],
    },
  })
  @ApiErrorResponses(400, 401, 404)
  status(
    @Query() query: SyncStatusQuery,
    @Query('provider', SupportedProviderPipe) provider: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SingleProviderSyncStatusDto | AllProvidersSyncStatusDto> {
    return this.sync.status(principal, query.ehr_user_id, provider);
  }

  @Get('providers')
  @ApiOperation({ summary: 'The providers a patient is connected to' })
  @ApiOkResponse({ type: ConnectedProvidersDto })
  @ApiErrorResponses(400, 401, 404)
  providers(
    @Query() query: EhrUserQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ConnectedProvidersDto> {
    return this.sync.connectedProviders(principal, query.ehr_user_id);
  }

  @Post('trigger_device_sync')
  @HttpCode(200)
  @RateLimit('device_sync')
  @ApiOperation({ summary: "Sync a patient's devices now: Device and DeviceAssociation at the FHIR server" })
  @ApiOkResponse({ type: DeviceSyncResultDto })
  @ApiErrorResponses(400, 401, 404, 409, 429)
  triggerDeviceSync(
    @Body() body: TriggerDeviceSyncDto,
    @Body('provider', SupportedProviderPipe) provider: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeviceSyncResultDto> {
    return this.deviceSync.trigger(principal, body.ehr_user_id, provider);
  }

  @Post(':ehr_user_id/:provider/resync-rejected')
  @HttpCode(202)
  @ServiceOnly()
  @RateLimit('device_sync')
  @ApiOperation({
    summary: 'Fetch and publish again the records a JupyterHealth Exchange refused (service only)',
    description:
      'For a patient who has since consented: queues one sync of the windows whose records JHE refused ' +
      '(sync status `rejected`). When they publish, the data types go back to completed and the counts clear; ' +
      'refused again, they stay partially_rejected. Nothing refused: queued false.',
  })
  @ApiResponse({ status: 202, type: ResyncRejectedDto })
  @ApiErrorResponses(400, 401, 403, 404, 409, 429)
  resyncRejected(
    @Param() params: ResyncRejectedParams,
    @Param('provider', SupportedProviderPipe) provider: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<ResyncRejectedDto> {
    return this.resync.resync(principal, params.ehr_user_id, provider, requestIdOf(req));
  }
}
