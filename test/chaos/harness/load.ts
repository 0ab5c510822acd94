import { identifierSystem } from '../../../src/transformers/fhir-identifiers.js';
import { sendNotification } from '../../simulators/withings/data/notification-sender.js';
import { IDENTIFIER_BASE, WITHINGS_SECRET, type ChaosEnvironment } from './environment.js';
import type { Patient } from './links.js';

/** What one webhook POST was about and how the api answered it (0: no answer at all). */
export interface Sent {
  readonly status: number;
  /** The identifier of the weight planted for it, which its sync must bring to the FHIR server. */
  readonly system: string;
  readonly value: string;
}

const WITHINGS_WEIGHT = identifierSystem(IDENTIFIER_BASE, 'withings', 'weight');
const GOOGLE_WEIGHT = identifierSystem(IDENTIFIER_BASE, 'fitbit', 'weight');

/**
 * Webhook traffic as the providers send it: for each notification a new weight is planted at the simulator
 * first, so every accepted notification has data that must reach the FHIR server. Every tenth goes to a Google
 * patient when there is one. At most `inFlight` requests are open at once, and at most `perSecond` start a second.
 */
export class NotificationLoad {
  readonly sent: Sent[] = [];
  private seq = 0;
  private stopped = false;

  constructor(
    private readonly env: ChaosEnvironment,
    private readonly patients: readonly Patient[],
  ) {}

  get accepted(): Sent[] {
    return this.sent.filter((s) => s.status >= 200 && s.status < 300);
  }

  /** Share of requests answered 2xx. */
  get okRatio(): number {
    return this.sent.length === 0 ? 1 : this.accepted.length / this.sent.length;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Sends `count` notifications (or until stop()); resolves when the last answer (or failure) is in. */
  async run(count: number, perSecond: number, inFlight = 8): Promise<void> {
    this.stopped = false;
    const started = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (!this.stopped && next < count) {
        const i = next++;
        const due = started + (i * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 0) {
          await new Promise((r) => setTimeout(r, wait));
        }
        this.sent.push(await this.sendOne());
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  }

  private async sendOne(): Promise<Sent> {
    const n = this.seq++;
    const google = this.patients.filter((p) => p.provider === 'fitbit');
    const withings = this.patients.filter((p) => p.provider === 'withings');
    const patient =
      n % 10 === 9 && google.length > 0 ? google[n % google.length] : withings[n % withings.length];
    if (patient === undefined) {
      throw new Error('no linked patient to notify about');
    }
    // Distinct past seconds, so every planted weight is its own record.
    const at = Math.floor(Date.now() / 1000) - 3_600 + (n % 3_000);
    try {
      if (patient.provider === 'withings') {
        const group = this.env.withings.addMeasureGroup(patient.userid, {
          date: at,
          measures: [{ type: 1, value: 70_000 + (n % 1_000), unit: -3 }],
          device: 'scale',
        });
        const status = await sendNotification(`${this.env.base}/webhooks/withings/${WITHINGS_SECRET}`, {
          userid: patient.userid,
          appli: 1,
          startdate: at - 1,
          enddate: at + 1,
        });
        return { status, system: WITHINGS_WEIGHT, value: `${patient.ehrUserId}:${group.grpid}:1` };
      }
      const name = `users/${patient.healthUserId}/dataTypes/weight/dataPoints/chaos-${n}`;
      const time = new Date(at * 1000);
      this.env.google.addDataPoint(patient.healthUserId, 'weight', {
        name,
        dataSource: { recordingMethod: 'MANUAL', platform: 'FITBIT' },
        weight: {
          weightGrams: 70_000 + (n % 1_000),
          sampleTime: { physicalTime: time.toISOString(), utcOffset: '0s' },
        },
      });
      const envelope = this.env.sender.envelope(
        patient.healthUserId,
        'weight',
        time,
        new Date(time.getTime() + 1000),
      );
      const answer = await this.env.sender.post(`${this.env.base}/webhooks/fitbit/`, [envelope]);
      return { status: answer.status, system: GOOGLE_WEIGHT, value: `${patient.ehrUserId}:${name}` };
    } catch {
      return { status: 0, system: '', value: '' };
    }
  }
}
