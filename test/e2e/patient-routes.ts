/** A route that names a patient, called with that patient's EHR id. */
export interface PatientRoute {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: (ehrUserId: string) => string;
  readonly body?: (ehrUserId: string) => Record<string, string>;
}

/** The routes about one existing patient of the caller's: every one must 404 for a patient the caller may not see. */
export const EXISTING_PATIENT_ROUTES: readonly PatientRoute[] = [
  { name: 'sync status', method: 'GET', path: (u) => `/api/base/sync/status/?ehr_user_id=${u}` },
  { name: 'connected providers', method: 'GET', path: (u) => `/api/base/sync/providers/?ehr_user_id=${u}` },
  { name: 'link status', method: 'GET', path: (u) => `/api/base/link/withings/status/?ehr_user_id=${u}` },
  { name: 'unlink (DELETE)', method: 'DELETE', path: (u) => `/api/base/link/withings/?ehr_user_id=${u}` },
  { name: 'unlink (POST)', method: 'POST', path: (u) => `/api/base/link/withings/unlink/?ehr_user_id=${u}` },
  {
    name: 'device sync',
    method: 'POST',
    path: () => '/api/base/sync/trigger_device_sync/',
    body: (u) => ({ ehr_user_id: u, provider: 'withings' }),
  },
];

/** Service-only routes about one patient (403 to patient credentials): they must 404 across organizations. */
export const SERVICE_PATIENT_ROUTES: readonly PatientRoute[] = [
  {
    name: 'sync trigger',
    method: 'POST',
    path: () => '/api/base/sync/trigger/',
    body: (u) => ({ ehr_user_id: u, provider: 'withings' }),
  },
  { name: 'resync rejected', method: 'POST', path: (u) => `/api/base/sync/${u}/withings/resync-rejected/` },
  { name: 'subscriptions', method: 'GET', path: (u) => `/api/base/links/${u}/withings/subscriptions/` },
  {
    name: 'subscriptions repair',
    method: 'POST',
    path: (u) => `/api/base/links/${u}/withings/subscriptions/repair/`,
  },
];
