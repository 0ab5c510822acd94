import { ApiProperty } from '@nestjs/swagger';

export class CapabilitiesDto {
  @ApiProperty({ example: ['withings', 'fitbit'] })
  supported_providers!: string[];

  @ApiProperty({ example: ['heart_rate', 'steps', 'rr_intervals', 'ecg', 'blood_pressure', 'weight'] })
  supported_data_types!: string[];

  @ApiProperty({
    example: { withings: ['heart_rate', 'steps'], fitbit: ['heart_rate', 'steps'] },
    description: 'Data types each provider can deliver',
  })
  provider_data_types!: Record<string, string[]>;

  @ApiProperty({ example: { withings: '/webhooks/withings/', fitbit: '/webhooks/fitbit/' } })
  webhook_endpoints!: Record<string, string>;

  @ApiProperty({
    example: {
      real_time: 'Webhook-triggered (immediate)',
      daily: 'Daily at 06:00 UTC',
      weekly: 'Weekly on Sundays at 06:00 UTC',
    },
  })
  sync_frequencies!: Record<string, string>;
}
