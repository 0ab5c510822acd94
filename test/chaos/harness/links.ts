import { randomBytes } from 'node:crypto';
import { linkThrough } from '../../simulators/shared/link-flow.js';
import type { ChaosEnvironment } from './environment.js';

export interface WithingsPatient {
  readonly provider: 'withings';
  readonly userid: number;
  readonly ehrUserId: string;
}

export interface GooglePatient {
  readonly provider: 'fitbit';
  readonly healthUserId: string;
  readonly ehrUserId: string;
}

export type Patient = WithingsPatient | GooglePatient;

const ehrId = (label: string): string => `chaos-${label}-${randomBytes(4).toString('hex')}`;

/** Links patients through the real OAuth flow of the api process, as a clinical app would, one after another. */
export async function linkPatients(
  env: ChaosEnvironment,
  counts: { withings: number; google: number },
): Promise<Patient[]> {
  const service = { base: env.base, auth: env.auth };
  const patients: Patient[] = [];
  for (let i = 0; i < counts.withings; i++) {
    const { userid } = env.withings.addUser({ userid: 500_000 + i });
    env.withings.approveNext(userid);
    const ehrUserId = ehrId('w');
    await linkThrough(service, 'withings', { ehr_user_id: ehrUserId });
    patients.push({ provider: 'withings', userid, ehrUserId });
  }
  for (let i = 0; i < counts.google; i++) {
    const { healthUserId } = env.google.addUser({ healthUserId: `7${700_000 + i}` });
    env.google.approveNext(healthUserId);
    const ehrUserId = ehrId('g');
    await linkThrough(service, 'fitbit', { ehr_user_id: ehrUserId });
    patients.push({ provider: 'fitbit', healthUserId, ehrUserId });
  }
  return patients;
}
