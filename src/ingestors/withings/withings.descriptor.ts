import type { ProviderDescriptor } from '../registry/provider-descriptor.js';

export const WITHINGS: ProviderDescriptor = {
  type: 'withings',
  displayName: 'Withings',
  // No rr_intervals: Withings' `rr` is respiratory rate and no service returns beat-to-beat intervals (the
  // original published breaths/min as RR intervals).
  dataTypes: [
    'heart_rate',
    'steps',
    'hrv',
    'ecg',
    'blood_pressure',
    'weight',
    'body_fat',
    'body_temperature',
    'spo2',
    'sleep',
  ],
  webhookPath: '/webhooks/withings/',
  upstreamApi: 'Withings Public API',
};
