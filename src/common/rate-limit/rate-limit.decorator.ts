import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { RateLimitGuard } from './rate-limit.guard.js';

/** The spec's rate-limit categories, each with its own window and scope. */
/** The spec's API categories; webhooks are limited after verification, by WebhookLimiter. */
export const RATE_LIMIT_POLICIES = ['provider_info', 'user_sync_status', 'device_sync'] as const;
export type RateLimitPolicy = (typeof RATE_LIMIT_POLICIES)[number];

export const RATE_LIMIT_POLICY = 'ohe:rateLimitPolicy';

/** Applies one of the spec's rate-limit categories to a route or controller. */
export function RateLimit(policy: RateLimitPolicy): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(RATE_LIMIT_POLICY, policy),
    UseGuards(RateLimitGuard),
    ApiResponse({ status: 429, description: 'Rate limit exceeded; see Retry-After' }),
    ApiHeader({
      name: 'X-Request-ID',
      required: false,
      description: 'Correlation id, echoed in the response',
    }),
  );
}
