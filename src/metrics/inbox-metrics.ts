import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { METRIC } from './metric-names.js';

/** Provided where notification jobs run (the workers): rows dead-lettered as `failed`, per provider. */
export const inboxMetricProviders = [
  makeCounterProvider({
    name: METRIC.inboxFailed,
    help: 'Inbox notifications marked failed after their job spent every attempt or hit a permanent error',
    labelNames: ['provider'],
  }),
];
