import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { METRIC } from './metric-names.js';

/**
 * Provided where subscriptions are repaired (the workers). A steady non-zero rate means the provider keeps
 * dropping them (failed deliveries) or the callback URL changed: worth a look either way.
 */
export const subscriptionMetricProviders = [
  makeCounterProvider({
    name: METRIC.subscriptionRepairs,
    help: 'Provider notification subscriptions repaired: added (missing), replaced (stale callback URL), removed',
    labelNames: ['provider', 'action'],
  }),
];
