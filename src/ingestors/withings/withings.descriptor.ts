import type { ProviderDescriptor } from '../registry/provider-descriptor.js';

export const WITHINGS: ProviderDescriptor = {
  type: 'withings',
  displayName: 'Withings',
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
