import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, PlatformOnly } from '../../common/auth/auth.decorators.js';
import type { Principal } from '../../common/auth/principal.js';
import { ApiErrorResponses, ErrorBodyDto } from '../../common/errors/api-error.docs.js';
import { RequestId } from '../../common/http/request-id.js';
import {
  CreateOrganizationDto,
  OrganizationDto,
  OrganizationParams,
  UpdateOrganizationDto,
} from './dto/organization.dto.js';
import { OrganizationsService } from './organizations.service.js';

@ApiTags('organizations')
@ApiBearerAuth()
@PlatformOnly()
@Controller('api/base/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an organization with its target (platform only; audited; secrets write-only)',
  })
  @ApiCreatedResponse({ type: OrganizationDto })
  @ApiResponse({ status: 409, description: 'organization_exists', type: ErrorBodyDto })
  @ApiErrorResponses(400, 401, 403, 422)
  create(
    @Body() body: CreateOrganizationDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<OrganizationDto> {
    return this.organizations.create(principal, body, requestId);
  }

  @Get()
  @ApiOperation({ summary: 'Every organization (platform only)' })
  @ApiOkResponse({ type: [OrganizationDto] })
  @ApiErrorResponses(401, 403)
  list(): Promise<OrganizationDto[]> {
    return this.organizations.list();
  }

  @Get(':slug')
  @ApiOperation({ summary: 'One organization (platform only)' })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrorResponses(400, 401, 403, 404)
  get(@Param() params: OrganizationParams): Promise<OrganizationDto> {
    return this.organizations.get(params.slug);
  }

  @Patch(':slug')
  @ApiOperation({
    summary: "Change an organization's name or target (platform only; audited)",
    description:
      'fhir_auth replaces the stored auth settings as a whole. The default organization: name only.',
  })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiResponse({ status: 409, description: 'default_organization_target', type: ErrorBodyDto })
  @ApiErrorResponses(400, 401, 403, 404, 422)
  update(
    @Param() params: OrganizationParams,
    @Body() body: UpdateOrganizationDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<OrganizationDto> {
    return this.organizations.update(principal, params.slug, body, requestId);
  }

  @Delete(':slug')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an organization that owns nothing any more (platform only; audited)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiResponse({ status: 409, description: 'default_organization, organization_in_use', type: ErrorBodyDto })
  @ApiErrorResponses(400, 401, 403, 404)
  remove(
    @Param() params: OrganizationParams,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.organizations.remove(principal, params.slug, requestId);
  }
}
