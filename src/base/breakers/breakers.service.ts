import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { NotFoundError } from '../../common/errors/api-error.js';
import {
  CircuitBreakerRegistry,
  type BreakerStateInfo,
} from '../../common/resilience/circuit-breaker.registry.js';
import { ProviderRegistry } from '../../ingestors/registry/provider-registry.js';
import { FHIR_BREAKER_NAME } from '../../publishers/fhir-publisher.service.js';
import type { BreakerClosedDto, BreakerDto, BreakerListDto } from './dto/breaker.dto.js';

/**
 * GET /api/base/breakers/ and POST /api/base/breakers/{name}/close/: the circuit breakers every process shares
 * through Redis. The list is every breaker the deployment has, whether or not this process made it or it ever
 * opened: one per provider, the FHIR target, and any other with state in Redis. Both are audited with the request id.
 */
@Injectable()
export class BreakersService {
  constructor(
    private readonly breakers: CircuitBreakerRegistry,
    private readonly providers: ProviderRegistry,
    private readonly audit: AuditService,
  ) {}

  async list(principal: Principal, requestId: string): Promise<BreakerListDto> {
    const states = await this.breakers.statesOf(await this.names());
    await this.audit.record({
      actor: principal.subject,
      action: 'breakers.listed',
      requestId,
      details: { open: states.filter((s) => s.state !== 'closed').map((s) => s.breaker) },
    });
    return { breakers: states.map(toDto) };
  }

  async close(principal: Principal, name: string, requestId: string): Promise<BreakerClosedDto> {
    if (!(await this.names()).includes(name)) {
      throw new NotFoundError(`Circuit breaker ${name} not found`);
    }
    const [before] = await this.breakers.statesOf([name]);
    const previous = before?.state ?? 'closed';
    await this.breakers.forceClose(name);
    await this.audit.record({
      actor: principal.subject,
      action: 'breaker.force_closed',
      requestId,
      details: { breaker: name, previous_state: previous, failures: before?.failure_count ?? 0 },
    });
    return { name, previous_state: previous, state: 'closed' };
  }

  private async names(): Promise<string[]> {
    const known = [FHIR_BREAKER_NAME, ...this.providers.types.map((t) => `provider:${t}`)];
    const registered = (await this.breakers.states()).map((s) => s.breaker);
    return [...new Set([...known, ...registered, ...(await this.breakers.storedNames()).sort()])];
  }
}

function toDto(info: BreakerStateInfo): BreakerDto {
  return { name: info.breaker, state: info.state, failures: info.failure_count, opened_at: info.opened_at };
}
