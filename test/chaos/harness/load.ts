import { identifierSystem } from '../../../src/transformers/fhir-identifiers.js';
import { sendNotification } from '../../simulators/withings/data/notification-sender.js';
import { IDENTIFIER_BASE, WITHINGS_SECRET, type ChaosEnvironment } from './environment.js';
import type { Patient } from './links.js';
import type { QueueProbe } from './queues.js';

/** What one webhook POST was about and how the api answered it (0: no answer at all). */
export interface Sent {
  readonly status: number;
  /** performance.now() when the request was started and when its answer (or failure) came. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The identifier of the weight planted for it, which its sync must bring to the FHIR server. */
  readonly system: string;
  readonly value: string;
}

/**
 * Each notification's weight gets its own second, counted back from the suite's start and never reused by a later
 * load: the inbox deduplicates notifications with the same window for 24 h, so a reused second would be a
 * duplicate notification, not a new one. 15,000 notifications of the full run reach about four hours back, well
 * inside the one-day lookback.
 */
const ORIGIN_S = Math.floor(Date.now() / 1000) - 120;
let secondsUsed = 0;

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
        const startedAt = performance.now();
        const outcome = await this.sendOne();
        this.sent.push({ startedAt, endedAt: performance.now(), ...outcome });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  }

  private async sendOne(): Promise<Omit<Sent, 'startedAt' | 'endedAt'>> {
    const n = this.seq++;
    const google = this.patients.filter((p) => p.provider === 'fitbit');
    const withings = this.patients.filter((p) => p.provider === 'withings');
    const toGoogle = google.length > 0 && (n % 10 === 9 || withings.length === 0);
    const patient = toGoogle ? google[n % google.length] : withings[n % withings.length];
    if (patient === undefined) {
      throw new Error('no linked patient to notify about');
    }
    const at = ORIGIN_S - secondsUsed++;
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

/** Everything a scenario works with. */
export interface Stage {
  readonly env: ChaosEnvironment;
  readonly patients: readonly Patient[];
  readonly queues: QueueProbe;
}

/** Starts a load in the background; `since` bounds the inbox rows it produces. */
export function startLoad(
  stage: Stage,
  count: number,
  perSecond: number,
  inFlight?: number,
): { since: Date; load: NotificationLoad; sending: Promise<void> } {
  const since = new Date();
  const load = new NotificationLoad(stage.env, stage.patients);
  return { since, load, sending: load.run(count, perSecond, inFlight) };
}
