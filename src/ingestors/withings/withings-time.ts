const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(timezone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timezone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
    } catch {
      // An unknown zone name must not sink the whole fetch; such records fall back to UTC.
      f = null;
    }
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * The UTC offset (minutes) of an IANA zone at an instant, so a measurement keeps the wearer's local offset of
 * that day (DST included). Unknown or missing zones give 0.
 */
export function offsetMinutes(timezone: string | undefined, atMs: number): number {
  const f = timezone === undefined || timezone === '' ? null : formatter(timezone);
  if (f === null) {
    return 0;
  }
  const name = f.formatToParts(atMs).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /^GMT([+-])(\d{1,2}):?(\d{2})?$/.exec(name);
  if (!m) {
    return 0;
  }
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/** The instant local midnight starts the civil date `YYYY-MM-DD` in the zone; undefined for a malformed date. */
export function localMidnight(date: string, timezone: string | undefined): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    return undefined;
  }
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(utcMidnight)) {
    return undefined;
  }
  // Two passes: the offset at UTC midnight can differ from the offset at local midnight across a DST change.
  const guess = utcMidnight - offsetMinutes(timezone, utcMidnight) * 60_000;
  return utcMidnight - offsetMinutes(timezone, guess) * 60_000;
}

/** ISO-8601 UTC without milliseconds, the instant format records carry. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** `YYYY-MM-DD` (UTC) of an instant. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export { DAY_MS };
