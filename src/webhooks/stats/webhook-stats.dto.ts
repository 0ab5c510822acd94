import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export type ServiceStatus = 'healthy' | 'unhealthy';

export class WebhookHealthServicesDto {
  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' })
  database!: ServiceStatus;

  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' })
  redis!: ServiceStatus;

  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' })
  task_queue!: ServiceStatus;
}

export class WebhookHealthDto {
  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' })
  status!: ServiceStatus;

  @ApiProperty({ example: '2023-12-07T10:30:00.000Z' })
  timestamp!: string;

  @ApiProperty({ type: WebhookHealthServicesDto })
  services!: WebhookHealthServicesDto;

  @ApiProperty({ example: '2.0.0' })
  version!: string;

  @ApiPropertyOptional({
    example: 'Unhealthy services: redis (unavailable), task_queue (timeout)',
    description:
      'Only when unhealthy: the failing services, each with `timeout` or `unavailable` as in ' +
      '/api/metrics/health/ (details in the service log)',
  })
  error?: string;
}

export class WebhookTotalsDto {
  @ApiProperty({ example: 1543 })
  total_requests!: number;

  @ApiProperty({ example: 1521 })
  successful_requests!: number;

  @ApiProperty({ example: 22 })
  failed_requests!: number;

  @ApiProperty({ example: 45.2 })
  average_response_time_ms!: number;
}

export class WebhookEndpointStatsDto {
  @ApiProperty({ example: 892 })
  requests!: number;

  @ApiProperty({ example: 98.4, description: 'Percentage of 2xx answers, one decimal; 0 when no requests' })
  success_rate!: number;

  @ApiProperty({ example: 42.1 })
  avg_response_time_ms!: number;
}

export class WebhookMetricsDto {
  @ApiProperty({ type: WebhookTotalsDto })
  webhook_metrics!: WebhookTotalsDto;

  @ApiProperty({
    description: 'One entry per supported provider',
    example: {
      withings: { requests: 892, success_rate: 98.4, avg_response_time_ms: 42.1 },
      fitbit: { requests: 651, success_rate: 96.7, avg_response_time_ms: 49.3 },
    },
  })
  endpoints!: Record<string, WebhookEndpointStatsDto>;

  @ApiProperty({
    description: 'Notifications accepted per provider',
    example: { withings: 892, fitbit: 651 },
  })
  provider_notifications!: Record<string, number>;

  @ApiProperty({ example: 1543 })
  sync_tasks_queued!: number;

  @ApiProperty({
    example: '2023-12-07T10:30:00.000Z',
    nullable: true,
    description: 'Last recorded webhook request; null when none was received',
  })
  last_updated!: string | null;
}
