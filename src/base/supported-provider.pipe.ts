import { Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationError } from '../common/errors/api-error.js';
import { ProviderRegistry } from '../ingestors/registry/provider-registry.js';

/** Accepts only provider types this build supports; others get 400 naming the supported ones. */
@Injectable()
export class SupportedProviderPipe implements PipeTransform<unknown, string | undefined> {
  constructor(private readonly registry: ProviderRegistry) {}

  transform(value: unknown): string | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value === 'string' && this.registry.find(value) !== undefined) {
      return value;
    }
    const supported = this.registry.types;
    throw new ValidationError(
      {
        provider: [
          `Invalid choice: '${typeof value === 'string' ? value : typeof value}'. Supported providers: ${supported.join(', ')}.`,
        ],
        supported_providers: supported,
      },
      'Unsupported provider',
    );
  }
}
