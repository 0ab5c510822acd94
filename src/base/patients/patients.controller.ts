import { Body, Controller, Delete, Get, HttpCode, Param, Put, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, ServiceOnly } from '../../common/auth/auth.decorators.js';
import type { Principal } from '../../common/auth/principal.js';
import { ApiErrorResponses, ErrorBodyDto } from '../../common/errors/api-error.docs.js';
import { requestIdOf } from '../../common/http/request-id.js';
import { PatientMappingDto, PatientParams, PutPatientMappingDto } from './dto/patient-mapping.dto.js';
import { PatientMappingService } from './patient-mapping.service.js';

@ApiTags('patients')
@ApiBearerAuth()
@ServiceOnly()
@Controller('api/base/patients')
export class PatientsController {
  constructor(private readonly patients: PatientMappingService) {}

  @Put(':ehr_user_id')
  @ApiOperation({
    summary: "Register a patient and map it to the target's Patient (service only; audited)",
    description:
      'Exactly one of fhir_patient_id and identifier (resolved by Patient?identifier=system|value, exactly one ' +
      'match), and/or jhe_patient_id. Replaces the whole mapping and queues a sync of every active link.',
  })
  @ApiBody({
    type: PutPatientMappingDto,
    examples: {
      by_id: { value: { fhir_patient_id: 'pat-001' } },
      by_identifier: {
        value: { identifier: { system: 'urn:oid:1.2.36.146.595.217.0.1', value: 'MRN-12345' } },
      },
      jhe: { value: { jhe_patient_id: '40001' } },
    },
  })
  @ApiOkResponse({ type: PatientMappingDto })
  @ApiResponse({
    status: 409,
    description: 'patient_ambiguous: several Patients carry the identifier',
    type: ErrorBodyDto,
  })
  @ApiResponse({
    status: 422,
    description: 'patient_not_found: no Patient carries the identifier',
    type: ErrorBodyDto,
  })
  @ApiErrorResponses(400, 401, 403, 503)
  put(
    @Param() params: PatientParams,
    @Body() body: PutPatientMappingDto,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<PatientMappingDto> {
    return this.patients.put(principal, params.ehr_user_id, body, requestIdOf(req));
  }

  @Get(':ehr_user_id')
  @ApiOperation({ summary: "A patient's mapping to the target's Patient (service only)" })
  @ApiOkResponse({ type: PatientMappingDto })
  @ApiErrorResponses(400, 401, 403, 404)
  get(@Param() params: PatientParams, @CurrentPrincipal() principal: Principal): Promise<PatientMappingDto> {
    return this.patients.get(principal, params.ehr_user_id);
  }

  @Delete(':ehr_user_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Unlink every provider of the patient, then forget its mapping (service only; audited)',
  })
  @ApiNoContentResponse({ description: 'Unlinked and forgotten' })
  @ApiErrorResponses(400, 401, 403, 404)
  forget(
    @Param() params: PatientParams,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<void> {
    return this.patients.forget(principal, params.ehr_user_id, requestIdOf(req));
  }
}
