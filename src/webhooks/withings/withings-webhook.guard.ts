import { Injectable, NotFoundException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import { ForbiddenError } from '../../common/errors/api-error.js';
import { AppConfig } from '../../config/app-config.js';
import { WebhookLimiter } from '../shared/webhook-limiter.service.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time equality of two secrets of any length (compares their digests). */
export function secretsMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Builds a BlockList from IPs and CIDRs (validated at boot by the linking settings). */
export function allowListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address, family);
    } else {
      list.addSubnet(address, Number(prefix), family);
    }
  }
  return list;
}

/** Whether a client address (IPv4-mapped IPv6 included) is in the list. */
export function isAllowed(list: BlockList, ip: string): boolean {
  const plain = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
}

/**
 * Withings signs nothing, so a notification is trusted by its secret path token (else 404, as if the route did
 * not exist) and, when WITHINGS_WEBHOOK_IP_ALLOWLIST is set, by its source address (else 403). Only then does it
 * spend the provider's rate-limit budget; a refused one is counted against its source address (WebhookLimiter).
 */
@Injectable()
export class WithingsWebhookGuard implements CanActivate {
  private readonly secret: string | undefined;
  private readonly allowList: BlockList | undefined;

  constructor(
    config: AppConfig,
    private readonly limiter: WebhookLimiter,
  ) {
    const { webhookSecret, webhookIpAllowlist } = config.linking.withings;
    this.secret = webhookSecret;
    this.allowList = webhookIpAllowlist.length > 0 ? allowListOf(webhookIpAllowlist) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const token = req.params['token'];
    if (this.secret === undefined || typeof token !== 'string' || !secretsMatch(token, this.secret)) {
      this.limiter.refuse(req, new NotFoundException());
    }
    if (this.allowList !== undefined && !isAllowed(this.allowList, req.ip ?? '')) {
      this.limiter.refuse(req, new ForbiddenError('Source address not allowed'));
    }
    this.limiter.admitVerified('withings', http.getResponse<Response>());
    return true;
  }
}
