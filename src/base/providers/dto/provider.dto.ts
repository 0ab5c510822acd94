import { ApiProperty } from '@nestjs/swagger';
import type { Provider } from '../../entities/provider.entity.js';

export class ProviderDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'Withings' })
  name!: string;

  @ApiProperty({ example: 'withings' })
  provider_type!: string;

  @ApiProperty({ example: true })
  active!: boolean;
}

export function toProviderDto(p: Provider): ProviderDto {
  return { id: p.id, name: p.name, provider_type: p.providerType, active: p.active };
}

export class ProviderPageDto {
  @ApiProperty({ example: 2 })
  count!: number;

  @ApiProperty({ type: String, nullable: true, example: null })
  next!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  previous!: string | null;

  @ApiProperty({ type: [ProviderDto] })
  results!: ProviderDto[];
}
