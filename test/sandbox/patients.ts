import { linkThrough } from '../simulators/shared/link-flow.js';
import type { SandboxWorld } from './world.js';

/** A sandbox patient: the EHR's user id and the simulated provider account linked to it. */
export interface SandboxPatient {
  readonly ehrUserId: string;
  readonly provider: 'withings' | 'fitbit';
  readonly providerUserId: string;
}

/** Provider accounts left unlinked, so a person can link their own patient through the consent page. */
const SPARE_ACCOUNTS = 3;

/**
 * Creates the simulated provider accounts and links one EHR patient to each provider through the real OAuth
 * flow (consent page, code exchange, callback), exactly as a clinical app's user would.
 */
export async function linkDemoPatients(
  world: SandboxWorld,
  service: { readonly base: string; readonly auth: Record<string, string> },
): Promise<SandboxPatient[]> {
  const withingsUsers = Array.from({ length: 1 + SPARE_ACCOUNTS }, () => world.withings.addUser().userid);
  const googleUsers = Array.from({ length: 1 + SPARE_ACCOUNTS }, () => world.google.addUser().healthUserId);
  const patients: SandboxPatient[] = [
    { ehrUserId: 'sandbox-patient-1', provider: 'withings', providerUserId: String(withingsUsers[0]) },
    { ehrUserId: 'sandbox-patient-2', provider: 'fitbit', providerUserId: googleUsers[0] ?? '' },
  ];
  for (const patient of patients) {
    if (patient.provider === 'withings') {
      world.withings.approveNext(Number(patient.providerUserId));
    } else {
      world.google.approveNext(patient.providerUserId);
    }
    const { final } = await linkThrough(service, patient.provider, { ehr_user_id: patient.ehrUserId });
    if (final.status !== 200) {
      throw new Error(`linking ${patient.ehrUserId} answered ${final.status}: ${final.body}`);
    }
  }
  return patients;
}

const WITHINGS_APPLIS_FED = [1, 4, 16] as const;
const GOOGLE_TYPES_FED = ['weight', 'steps', 'heart-rate'] as const;

/**
 * Every interval, each consenting simulated account takes a weighing (and, on Withings, a blood pressure
 * reading) and the providers notify the service the way they really do: Withings posts to each subscribed
 * callback, Google posts signed envelopes to the project's endpoint. Intraday data the simulators generate as
 * time passes is announced with the same notifications.
 */
export class Feeder {
  private timer: NodeJS.Timeout | undefined;
  private last = Date.now();
  private tick = 0;
  private running: Promise<void> = Promise.resolve();
  /** Notifications the service accepted, per provider, for the state file and tests. */
  readonly accepted = { withings: 0, fitbit: 0 };

  constructor(
    private readonly world: SandboxWorld,
    private readonly webhookBase: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running = this.feedOnce().catch(this.onError);
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async feedOnce(now = Date.now()): Promise<void> {
    const from = this.last;
    this.last = now;
    this.tick += 1;
    await Promise.all([this.feedWithings(from, now), this.feedGoogle(from, now)]);
  }

  private async feedWithings(from: number, now: number): Promise<void> {
    const date = Math.floor(now / 1000) - 5;
    for (const userid of this.world.withings.subscribedUsers()) {
      const kg = 72 + 1.5 * Math.sin(this.tick / 5);
      this.world.withings.addMeasureGroup(userid, {
        date,
        measures: [{ type: 1, value: Math.round(kg * 1000), unit: -3 }],
        device: 'scale',
      });
      this.world.withings.addMeasureGroup(userid, {
        date,
        measures: [
          { type: 10, value: 118 + (this.tick % 7), unit: 0 },
          { type: 9, value: 76 + (this.tick % 5), unit: 0 },
          { type: 11, value: 64 + (this.tick % 9), unit: 0 },
        ],
        device: 'bpm',
      });
      for (const appli of WITHINGS_APPLIS_FED) {
        const window =
          appli === 16
            ? { startdate: Math.floor(from / 1000), enddate: Math.floor(now / 1000) }
            : { startdate: date - 1, enddate: date + 1 };
        for (const { status } of await this.world.withings.notifySubscribers(userid, appli, window)) {
          this.count('withings', status);
        }
      }
    }
  }

  private async feedGoogle(from: number, now: number): Promise<void> {
    const at = new Date(now - 5_000);
    for (const healthUserId of this.world.google.consentingUsers()) {
      this.world.google.addDataPoint(healthUserId, 'weight', {
        name: `users/${healthUserId}/dataTypes/weight/dataPoints/sandbox-${String(now)}`,
        dataSource: { recordingMethod: 'MANUAL', platform: 'FITBIT' },
        weight: {
          weightGrams: Math.round((68 + Math.cos(this.tick / 5)) * 1000),
          sampleTime: { physicalTime: at.toISOString(), utcOffset: '3600s' },
        },
      });
      const envelopes = GOOGLE_TYPES_FED.map((type) =>
        type === 'weight'
          ? this.world.sender.envelope(healthUserId, type, at, new Date(at.getTime() + 1000))
          : this.world.sender.envelope(healthUserId, type, new Date(from), new Date(now)),
      );
      const { status } = await this.world.sender.post(`${this.webhookBase}/webhooks/fitbit/`, envelopes);
      this.count('fitbit', status);
    }
  }

  private count(provider: 'withings' | 'fitbit', status: number): void {
    if (status >= 200 && status < 300) {
      this.accepted[provider] += 1;
    } else {
      this.onError(new Error(`${provider} notification answered ${status}`));
    }
  }
}
