import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describeQuietEnd, isValidTimeZone, parseClock, parseQuietRange, quietUntil, type QuietHours } from './quiet-hours';

const quiet = (start: string, end: string, timeZone: string): QuietHours => ({ start, end, timeZone });
const at = (iso: string) => new Date(iso);

describe('quietUntil', () => {
  // Expected instants were worked out by hand from the zones' published rules (Berlin: +01/+02, changes
  // at 01:00Z; New York: −05/−04, at 02:00 local; Auckland: +12/+13; Santiago: −04/−03, at local midnight).
  it.each([
    // Crossing midnight, 22:00–07:00, Berlin in winter (+01:00).
    ['23:30 is quiet until 07:00 the next day', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-01-15T22:30:00Z', '2026-01-16T06:00:00Z'],
    ['06:59 is quiet until 07:00 the same day', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-01-15T05:59:00Z', '2026-01-15T06:00:00Z'],
    ['06:59:59.999 is still quiet', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-01-15T05:59:59.999Z', '2026-01-15T06:00:00Z'],
    ['07:00 is not quiet', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-01-15T06:00:00Z', null],
    ['22:00 is quiet', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-01-15T21:00:00Z', '2026-01-16T06:00:00Z'],
    ['21:59:59.999 is not quiet', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-01-15T20:59:59.999Z', null],
    ['midday is not quiet', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-01-15T11:00:00Z', null],
    ['00:00 is quiet until 07:00 that day', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-01-14T23:00:00Z', '2026-01-15T06:00:00Z'],
    ['23:59–00:00 holds the last minute of the day', quiet('23:59', '00:00', 'UTC'), '2026-05-05T23:59:30Z', '2026-05-06T00:00:00Z'],
    // Same day, 13:00–14:00, Berlin in summer (+02:00).
    ['13:30 is quiet until 14:00', quiet('13:00', '14:00', 'Europe/Berlin'), '2026-07-01T11:30:00Z', '2026-07-01T12:00:00Z'],
    ['13:00 is quiet', quiet('13:00', '14:00', 'Europe/Berlin'), '2026-07-01T11:00:00Z', '2026-07-01T12:00:00Z'],
    ['14:00 is not quiet', quiet('13:00', '14:00', 'Europe/Berlin'), '2026-07-01T12:00:00Z', null],
    ['12:59 is not quiet', quiet('13:00', '14:00', 'Europe/Berlin'), '2026-07-01T10:59:00Z', null],
    ['23:30 is not quiet in a daytime period', quiet('13:00', '14:00', 'Europe/Berlin'), '2026-07-01T21:30:00Z', null],
    ['00:00–08:00 in UTC', quiet('00:00', '08:00', 'UTC'), '2026-05-05T00:00:00Z', '2026-05-05T08:00:00Z'],
    // Berlin spring forward, 2026-03-29 02:00 → 03:00 (01:00Z).
    ['the night into spring forward ends at 07:00 CEST', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-03-28T22:00:00Z', '2026-03-29T05:00:00Z'],
    ['after the jump it still ends at 07:00 CEST', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-03-29T01:30:00Z', '2026-03-29T05:00:00Z'],
    ['an end at 02:30, skipped, is 03:00 CEST', quiet('22:00', '02:30', 'Europe/Berlin'), '2026-03-28T23:00:00Z', '2026-03-29T01:00:00Z'],
    ['01:59:59 CET is quiet until the jump', quiet('22:00', '02:30', 'Europe/Berlin'), '2026-03-29T00:59:59Z', '2026-03-29T01:00:00Z'],
    ['03:00 CEST is past a skipped end', quiet('22:00', '02:30', 'Europe/Berlin'), '2026-03-29T01:00:00Z', null],
    ['a start at 02:30, skipped, begins at 03:00 CEST', quiet('02:30', '07:00', 'Europe/Berlin'), '2026-03-29T01:00:00Z', '2026-03-29T05:00:00Z'],
    ['01:59 CET is before a skipped start', quiet('02:30', '07:00', 'Europe/Berlin'), '2026-03-29T00:59:00Z', null],
    ['a period wholly inside the gap is empty', quiet('02:10', '02:40', 'Europe/Berlin'), '2026-03-29T01:00:00Z', null],
    // Berlin fall back, 2026-10-25 03:00 → 02:00 (01:00Z): 02:00–02:59 happens twice.
    ['the night into fall back ends at 07:00 CET', quiet('22:00', '07:00', 'Europe/Berlin'), '2026-10-24T21:00:00Z', '2026-10-25T06:00:00Z'],
    ['an end at 02:30, repeated, is the first 02:30 (CEST)', quiet('22:00', '02:30', 'Europe/Berlin'), '2026-10-24T23:00:00Z', '2026-10-25T00:30:00Z'],
    ['the second 02:10 (CET) is past that end', quiet('22:00', '02:30', 'Europe/Berlin'), '2026-10-25T01:10:00Z', null],
    ['a start at 02:30 begins at the first 02:30: 02:10 CEST is before it', quiet('02:30', '07:00', 'Europe/Berlin'), '2026-10-25T00:10:00Z', null],
    ['the second 02:10 (CET) is inside a period begun at the first 02:30', quiet('02:30', '07:00', 'Europe/Berlin'), '2026-10-25T01:10:00Z', '2026-10-25T06:00:00Z'],
    // New York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
    ['New York, into spring forward: 07:00 EDT', quiet('22:00', '07:00', 'America/New_York'), '2026-03-08T04:00:00Z', '2026-03-08T11:00:00Z'],
    ['New York, into fall back: 07:00 EST', quiet('22:00', '07:00', 'America/New_York'), '2026-11-01T03:00:00Z', '2026-11-01T12:00:00Z'],
    ['New York, a skipped 02:30 end is 03:00 EDT', quiet('22:00', '02:30', 'America/New_York'), '2026-03-08T06:30:00Z', '2026-03-08T07:00:00Z'],
    ['New York, a repeated 01:30 end is 01:30 EDT', quiet('22:00', '01:30', 'America/New_York'), '2026-11-01T05:10:00Z', '2026-11-01T05:30:00Z'],
    ['New York, 01:10 EST (the second one) is not quiet', quiet('22:00', '01:30', 'America/New_York'), '2026-11-01T06:10:00Z', null],
    // No daylight saving, half-hour offset: Kolkata is +05:30 all year.
    ['Kolkata, 23:30 is quiet until 07:00 IST', quiet('22:00', '07:00', 'Asia/Kolkata'), '2026-06-01T18:00:00Z', '2026-06-02T01:30:00Z'],
    ['Kolkata, 07:00 IST is not quiet', quiet('22:00', '07:00', 'Asia/Kolkata'), '2026-06-02T01:30:00Z', null],
    // Auckland, southern hemisphere: back to +12 on 2026-04-05, forward to +13 on 2026-09-27.
    ['Auckland, into the April fall back: 07:00 NZST', quiet('22:00', '07:00', 'Pacific/Auckland'), '2026-04-04T10:00:00Z', '2026-04-04T19:00:00Z'],
    ['Auckland, into the September spring forward: 07:00 NZDT', quiet('22:00', '07:00', 'Pacific/Auckland'), '2026-09-26T11:00:00Z', '2026-09-26T18:00:00Z'],
    ['Auckland, a January afternoon (+13)', quiet('13:00', '14:00', 'Pacific/Auckland'), '2026-01-15T00:30:00Z', '2026-01-15T01:00:00Z'],
    // Santiago goes back at local midnight (2026-04-05 00:00 −03 → 2026-04-04 23:00 −04): 23:xx repeats.
    ['Santiago, the first 23:35 is quiet', quiet('23:30', '23:45', 'America/Santiago'), '2026-04-05T02:35:00Z', '2026-04-05T02:45:00Z'],
    ['Santiago, the second 23:35 is not', quiet('23:30', '23:45', 'America/Santiago'), '2026-04-05T03:35:00Z', null],
    ['Santiago, a skipped midnight end is 01:00 −03', quiet('22:00', '00:30', 'America/Santiago'), '2026-09-06T03:30:00Z', '2026-09-06T04:00:00Z'],
    // Nothing to hold.
    ['no quiet hours', null, '2026-01-15T22:30:00Z', null],
    ['start equal to end is no quiet period', quiet('22:00', '22:00', 'Europe/Berlin'), '2026-01-15T21:30:00Z', null],
    ['a malformed clock never holds a page', quiet('7:00', '22:00', 'Europe/Berlin'), '2026-01-15T12:00:00Z', null],
    ['an unknown zone never holds a page', quiet('00:00', '23:59', 'Europe/Atlantis'), '2026-01-15T12:00:00Z', null],
  ])('%s', (_name, hours, now, expected) => {
    expect(quietUntil(hours, at(now))?.toISOString() ?? null).toBe(expected === null ? null : at(expected).toISOString());
  });

  const ZONES = [
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kolkata',
    'Pacific/Auckland',
    'America/Santiago',
    'Australia/Lord_Howe', // a half-hour daylight-saving change
    'America/St_Johns',
    'Asia/Tokyo',
    'UTC',
  ];
  // Around each zone's 2026 changes, so the properties meet gaps and repeats often, not once a year.
  const CHANGES = [
    '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z',
    '2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z', '2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z',
    '2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z', '2026-03-08T05:30:00Z', '2026-11-01T03:30:00Z',
  ].map((iso) => Date.parse(iso));
  const HOUR = 3_600_000;
  const clock = fc.integer({ min: 0, max: 1439 }).map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
  const instant = fc.oneof(
    fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
    fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -30 * HOUR, max: 30 * HOUR })).map(([change, delta]) => change + delta),
  );
  const minutesOfDay = (zone: string, ms: number) => {
    const local = DateTime.fromMillis(ms, { zone });
    return local.hour * 60 + local.minute;
  };
  const wallMs = (zone: IANAZone, ms: number) => ms + zone.offset(ms) * 60_000;
  // This wall-clock time already happened once, just before a fall back.
  const isSecondOccurrence = (zone: IANAZone, ms: number) => {
    const jump = (zone.offset(ms - 3 * HOUR) - zone.offset(ms)) * 60_000;
    return jump > 0 && wallMs(zone, ms - jump) === wallMs(zone, ms);
  };
  const inside = (m: number, start: number, end: number) => (start < end ? start <= m && m < end : m >= start || m < end);

  it('ends a quiet period later, within a day and an hour, at the end time or just after its gap', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), clock, clock, instant, (timeZone, start, end, now) => {
        fc.pre(start !== end);
        const until = quietUntil({ start, end, timeZone }, new Date(now));
        if (until === null) return;
        const u = until.getTime();
        const zone = IANAZone.create(timeZone);
        expect(u).toBeGreaterThan(now);
        expect(u - now).toBeLessThanOrEqual(25 * HOUR);
        expect(isSecondOccurrence(zone, u)).toBe(false);
        const local = DateTime.fromMillis(u, { zone: timeZone });
        if (local.toFormat('HH:mm:ss.SSS') === `${end}:00.000`) return;
        // Otherwise `end` was skipped: `u` is the first instant after the gap that swallowed it.
        const [h, m] = end.split(':').map(Number) as [number, number];
        let target = Math.floor(wallMs(zone, u) / (24 * HOUR)) * 24 * HOUR + (h * 60 + m) * 60_000;
        if (target >= wallMs(zone, u)) target -= 24 * HOUR;
        expect(wallMs(zone, u - 1)).toBeLessThan(target);
        expect(zone.offset(u - 1)).not.toBe(zone.offset(u));
      }),
      { numRuns: 1000 },
    );
  });

  it('is quiet exactly when the local time is in [start, end), but for a fall back’s repeated times', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), clock, clock, instant, (timeZone, start, end, now) => {
        fc.pre(start !== end);
        const until = quietUntil({ start, end, timeZone }, new Date(now));
        const isInside = inside(minutesOfDay(timeZone, now), parseClock(start) ?? -1, parseClock(end) ?? -1);
        if (isInside !== (until !== null)) expect(isSecondOccurrence(IANAZone.create(timeZone), now)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('describeQuietEnd', () => {
  it.each([
    ['2026-01-16T06:00:00Z', 'Europe/Berlin', '07:00 Europe/Berlin'],
    ['2026-03-29T05:00:00Z', 'Europe/Berlin', '07:00 Europe/Berlin'],
    ['2026-10-25T00:30:00Z', 'Europe/Berlin', '02:30 Europe/Berlin'],
    ['2026-06-02T01:30:00Z', 'Asia/Kolkata', '07:00 Asia/Kolkata'],
    ['2026-04-04T19:00:00Z', 'Pacific/Auckland', '07:00 Pacific/Auckland'],
    ['2026-11-01T12:00:00Z', 'America/New_York', '07:00 America/New_York'],
    ['2026-01-16T06:00:00Z', 'Europe/Atlantis', '06:00 UTC'],
  ])('%s in %s reads %j', (until, timeZone, expected) => {
    expect(describeQuietEnd(at(until), timeZone)).toBe(expected);
  });
});

describe('parseClock', () => {
  it.each([
    ['00:00', 0],
    ['07:05', 425],
    ['22:00', 1320],
    ['23:59', 1439],
  ])('reads %j as %d minutes', (text, minutes) => {
    expect(parseClock(text)).toBe(minutes);
  });

  it.each(['24:00', '7:00', '07:0', '07:60', '0700', ' 07:00', '07:00 ', '07:00:00', '', 'ab:cd', '-1:00', '７:００'])('refuses %j', (text) => {
    expect(parseClock(text)).toBeNull();
  });
});

describe('parseQuietRange', () => {
  it.each([
    ['22:00-07:00', { start: '22:00', end: '07:00' }],
    ['13:00–14:00', { start: '13:00', end: '14:00' }],
    [' 22:00 - 07:00 ', { start: '22:00', end: '07:00' }],
    ['00:00-23:59', { start: '00:00', end: '23:59' }],
  ])('reads %j', (text, expected) => {
    expect(parseQuietRange(text)).toEqual(expected);
  });

  it.each(['22:00-22:00', '22:00', '22:00-7:00', '22:00/07:00', '22:00-07:00-08:00', '24:00-07:00', '22:00 07:00', ''])('refuses %j', (text) => {
    expect(parseQuietRange(text)).toBeNull();
  });
});

describe('isValidTimeZone', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Asia/Calcutta', 'Pacific/Auckland', 'America/Argentina/Buenos_Aires', 'America/Port-au-Prince', 'UTC'])(
    'accepts %j',
    (name) => {
      expect(isValidTimeZone(name)).toBe(true);
    },
  );

  it.each(['CET', 'EST', 'GMT', 'EST5EDT', 'Etc/GMT+5', 'Etc/UTC', 'US/Eastern', 'europe/berlin', 'Europe/Atlantis', '+05:30', 'Europe/', ''])('refuses %j', (name) => {
    expect(isValidTimeZone(name)).toBe(false);
  });
});
