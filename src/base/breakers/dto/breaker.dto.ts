import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class BreakerDto {
  @ApiProperty({
    example: 'provider:withings',
    description: '`provider:<type>` per provider, `fhir` for the target',
  })
  name!: string;

  @ApiProperty({ enum: ['closed', 'open', 'half_open'], example: 'open' })
  state!: 'closed' | 'open' | 'half_open';

  @ApiProperty({ example: 5, description: 'Failures counted towards opening (closed) or since it opened' })
  failures!: number;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-22T10:30:00.000Z' })
  opened_at!: string | null;
}

export class BreakerListDto {
  @ApiProperty({ type: [BreakerDto] })
  breakers!: BreakerDto[];
}

export class BreakerClosedDto {
  @ApiProperty({ example: 'provider:withings' })
  name!: string;

  @ApiProperty({
    enum: ['closed', 'open', 'half_open'],
    example: 'open',
    description: 'State before closing',
  })
  previous_state!: 'closed' | 'open' | 'half_open';

  @ApiProperty({ enum: ['closed'], example: 'closed' })
  state!: 'closed';
}

export class BreakerParams {
  @ApiProperty({ example: 'provider:withings' })
  @IsString()
  @Matches(/^[a-z0-9:_-]{1,64}$/i, { message: 'Must be a breaker name (letters, digits, : _ -).' })
  name!: string;
}
