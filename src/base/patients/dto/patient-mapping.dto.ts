import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsOptional, IsString, Matches, Length, ValidateNested } from 'class-validator';
import { EhrUserIdField, REQUIRED_MESSAGE } from '../../../common/domain/ehr-user-id.js';
import { FHIR_ID_PATTERN } from '../../../common/domain/fhir-id.js';
import { PATIENT_MAPPING_STATUSES, type PatientMappingStatus } from '../../entities/ehr-user.entity.js';

/** An optional FHIR logical id in a body: the pattern documented and checked with one clear message. */
function FhirIdField(example: string, description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ example, pattern: FHIR_ID_PATTERN.source, description }),
    IsOptional(),
    IsString({ message: 'Must be a string.' }),
    Matches(FHIR_ID_PATTERN, { message: 'Must be a FHIR id: 1-64 characters of letters, digits, - and .' }),
  );
}

export class PatientParams {
  @EhrUserIdField()
  ehr_user_id!: string;
}

/** A required, non-empty part of an identifier, as long as the ehr_users column keeping it allows. */
function IdentifierPart(example: string, description: string): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ example, description }),
    IsDefined({ message: REQUIRED_MESSAGE }),
    IsString({ message: 'Must be a string.' }),
    Length(1, 1024, { message: 'Must be 1-1024 characters.' }),
  );
}

export class PatientIdentifierDto {
  @IdentifierPart('urn:oid:1.2.36.146.595.217.0.1', 'Identifier.system (a URI)')
  system!: string;

  @IdentifierPart('MRN-12345', 'Identifier.value')
  value!: string;
}

/** Exactly one of fhir_patient_id and identifier (checked by the service), and/or jhe_patient_id. */
export class PutPatientMappingDto {
  @FhirIdField('pat-001', "The Patient's logical id at the FHIR target")
  fhir_patient_id?: string;

  @ApiPropertyOptional({
    type: PatientIdentifierDto,
    description:
      'Resolved at the FHIR target by Patient?identifier=system|value; exactly one match is required',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PatientIdentifierDto)
  identifier?: PatientIdentifierDto;

  @FhirIdField('40001', 'The patient id at a JupyterHealth Exchange target (FHIR_TARGET=jhe)')
  jhe_patient_id?: string;
}

export class PatientMappingDto {
  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'pat-001' })
  fhir_patient_id!: string | null;

  @ApiProperty({ type: PatientIdentifierDto, nullable: true })
  identifier!: PatientIdentifierDto | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  jhe_patient_id!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-22T10:30:00.000Z' })
  resolved_at!: string | null;

  @ApiProperty({ enum: PATIENT_MAPPING_STATUSES, example: 'mapped' })
  status!: PatientMappingStatus;

  @ApiPropertyOptional({
    example: 2,
    description:
      'PUT only: syncs queued for the patient’s active links (they run now that the mapping exists)',
  })
  syncs_queued?: number;
}
