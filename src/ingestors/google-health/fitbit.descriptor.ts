import type { ProviderDescriptor } from '../registry/provider-descriptor.js';

/**
 * Fitbit accounts, served through the Google Health API since the legacy Fitbit Web API was shut down on
 * 2026-11-02. The public key stays `fitbit`, as the API and webhook contracts name it.
 */
export const FITBIT: ProviderDescriptor = {
  type: 'fitbit',
  displayName: 'Fitbit',
  dataTypes: [
    'heart_rate',
    'resting_heart_rate',
    'steps',
    'hrv',
    'spo2',
    'weight',
    'body_fat',
    'sleep',
    'ecg',
  ],
  webhookPath: '/webhooks/fitbit/',
  upstreamApi: 'Google Health API v4',
};
