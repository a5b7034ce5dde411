import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { parseWallClock, ZoneRules } from './zone-rules';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'Pacific/Auckland', 'UTC'];
const instant = (iso: string) => new Date(iso).getTime();

describe('ZoneRules.toInstant', () => {
  // Worked out by hand from the zones' rules, as in quiet-hours.test.ts.
  it.each([
    ['a winter time in Berlin', 'Europe/Berlin', '2026-01-15T09:00', '2026-01-15T08:00:00Z'],
    ['a summer time in Berlin', 'Europe/Berlin', '2026-07-15T09:00', '2026-07-15T07:00:00Z'],
    ['Berlin, 02:30 skipped on 2026-03-29: the change at 03:00 CEST', 'Europe/Berlin', '2026-03-29T02:30', '2026-03-29T01:00:00Z'],
    ['Berlin, 02:00 skipped as well', 'Europe/Berlin', '2026-03-29T02:00', '2026-03-29T01:00:00Z'],
    ['Berlin, 03:00 on that day', 'Europe/Berlin', '2026-03-29T03:00', '2026-03-29T01:00:00Z'],
    ['Berlin, 02:30 twice on 2026-10-25: the first (CEST)', 'Europe/Berlin', '2026-10-25T02:30', '2026-10-25T00:30:00Z'],
    ['New York, 02:30 skipped on 2026-03-08: 03:00 EDT', 'America/New_York', '2026-03-08T02:30', '2026-03-08T07:00:00Z'],
    ['New York, 01:30 twice on 2026-11-01: the first (EDT)', 'America/New_York', '2026-11-01T01:30', '2026-11-01T05:30:00Z'],
    ['New York, 02:00 after the repeat: EST', 'America/New_York', '2026-11-01T02:00', '2026-11-01T07:00:00Z'],
    ['Lord Howe, a half-hour jump: 02:15 skipped on 2026-10-04', 'Australia/Lord_Howe', '2026-10-04T02:15', '2026-10-03T15:30:00Z'],
    ['Santiago, midnight skipped on 2026-09-06: 01:00 −03', 'America/Santiago', '2026-09-06T00:00', '2026-09-06T04:00:00Z'],
    ['Santiago, 23:30 twice on 2026-04-04: the first (−03)', 'America/Santiago', '2026-04-04T23:30', '2026-04-05T02:30:00Z'],
  ])('%s', (_name, zone, wall, expected) => {
    expect(new Date(ZoneRules.of(zone).toInstant(parseWallClock(wall))).toISOString()).toBe(new Date(expected).toISOString());
  });

  it('gives the first instant showing a wall-clock time, for any instant showing it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: instant('1990-01-01T00:00:00Z'), max: instant('2060-01-01T00:00:00Z') }), (zone, at) => {
        const rules = ZoneRules.of(zone);
        const wall = rules.toWall(at);
        const first = rules.toInstant(wall);
        expect(rules.toWall(first)).toBe(wall);
        expect(first).toBeLessThanOrEqual(at);
        // An earlier instant showing it would read it under another offset in force within a day.
        for (const offset of [rules.offsetAt(first - 86_400_000), rules.offsetAt(first + 86_400_000)]) {
          if (wall - offset < first) expect(rules.toWall(wall - offset)).not.toBe(wall);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('ZoneRules.offsetAt', () => {
  it('agrees with luxon at any instant from 1970 to 2100', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 0, max: instant('2100-01-01T00:00:00Z') }), (zone, at) => {
        expect(ZoneRules.of(zone).offsetAt(at)).toBe(IANAZone.create(zone).offset(at) * 60_000);
      }),
      { numRuns: 1000 },
    );
  });

  it('changes at the very millisecond luxon says it does', () => {
    const berlin = ZoneRules.of('Europe/Berlin');
    const change = instant('2026-03-29T01:00:00Z');
    expect(berlin.offsetAt(change - 1)).toBe(3_600_000);
    expect(berlin.offsetAt(change)).toBe(7_200_000);
    expect(DateTime.fromMillis(change, { zone: 'Europe/Berlin' }).toFormat('HH:mm ZZ')).toBe('03:00 +02:00');
  });

  it('refuses a zone the runtime does not know', () => {
    expect(() => ZoneRules.of('Europe/Berlinn')).toThrow('unknown time zone "Europe/Berlinn"');
  });
});
