/** CHAOS_SHORT=1 (npm run chaos -- --short): the CI version, the whole run under five minutes on two cores. */
export const SHORT = process.env['CHAOS_SHORT'] === '1';

/** Full counts are the issue's; short counts keep every kind of fault but fewer of them. */
export const COUNTS = SHORT
  ? {
      withingsPatients: 2,
      googlePatients: 1,
      workerKills: 3,
      killNotifications: 200,
      redisRestarts: 2,
      redisNotifications: 600,
      fhirOutageMs: 8_000,
      fhirNotifications: 60,
      shutdownNotifications: 60,
    }
  : {
      withingsPatients: 8,
      googlePatients: 2,
      workerKills: 50,
      killNotifications: 10_000,
      redisRestarts: 20,
      redisNotifications: 20_000,
      fhirOutageMs: 120_000,
      fhirNotifications: 600,
      shutdownNotifications: 400,
    };

/** Notifications sent per second while a fault is being injected. */
export const RATE = SHORT ? 20 : 30;
