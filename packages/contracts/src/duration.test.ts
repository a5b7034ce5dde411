import fc from 'fast-check';
import { durationMilliseconds, formatDuration, MAX_DURATION_DAYS, parseDuration, type Duration } from './duration';

const calendar = (days: number): Duration => ({ kind: 'calendar', days });
const elapsed = (seconds: number): Duration => ({ kind: 'elapsed', seconds });

describe('parseDuration', () => {
  it.each<[string, Duration, string]>([
    ['30s', elapsed(30), '30s'],
    ['5m', elapsed(300), '5m'],
    ['1h', elapsed(3600), '1h'],
    ['1d', calendar(1), '1d'],
    ['1w', calendar(7), '1w'],
    ['1h30m', elapsed(5400), '1h30m'],
    ['90m', elapsed(5400), '1h30m'],
    ['90s', elapsed(90), '1m30s'],
    ['1h0m5s', elapsed(3605), '1h5s'],
    ['48h', elapsed(172_800), '48h'],
    ['14d', calendar(14), '2w'],
    ['1w3d', calendar(10), '1w3d'],
    ['007m', elapsed(420), '7m'],
    ['52w', calendar(MAX_DURATION_DAYS), '52w'],
  ])('reads %s as %j, written back as %s', (text, expected, canonical) => {
    const parsed = parseDuration(text);
    expect(parsed).toEqual({ ok: true, duration: expected });
    expect(formatDuration(expected)).toBe(canonical);
  });

  it.each([
    ['', 'empty: write a duration such as 30s, 5m, 1h30m, 1d or 1w'],
    ['0s', '"0s" is zero: a duration must last some time'],
    ['0h0m', '"0h0m" is zero'],
    ['-5m', '"-5m" is negative'],
    ['30', '"30" has no unit: write 30s, 30m, 30h, 30d or 30w'],
    ['1y', 'unknown unit "y" in "1y": use s, m, h, d or w'],
    ['100ms', 'unknown unit "ms"'],
    ['1H', 'unknown unit "H"'],
    ['1m1h', 'units out of order in "1m1h": largest first, each once'],
    ['1h1h', 'units out of order'],
    ['1d12h', '"1d12h" mixes days with hours, minutes or seconds'],
    ['1.5h', '"1.5h" is not a duration: write whole numbers with units'],
    ['1h 30m', '"1h 30m" is not a duration'],
    [' 5m', '" 5m" is not a duration'],
    ['h', '"h" is not a duration'],
    ['53w', '"53w" is longer than 52w'],
    ['8737h', '"8737h" is longer than 52w'],
    ['99999999999999999999w', 'longer than 52w'],
    ['1'.repeat(40), 'too long to be a duration'],
  ])('refuses %j: %s', (text, reason) => {
    const parsed = parseDuration(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });

  it('reads back what it writes, the kind included', () => {
    const durations = fc.oneof(
      fc.integer({ min: 1, max: MAX_DURATION_DAYS }).map(calendar),
      fc.integer({ min: 1, max: MAX_DURATION_DAYS * 86_400 }).map(elapsed),
    );
    fc.assert(fc.property(durations, (duration) => expect(parseDuration(formatDuration(duration))).toEqual({ ok: true, duration })));
  });
});

describe('durationMilliseconds', () => {
  it('counts a calendar day as 24 hours and elapsed time as it is', () => {
    expect(durationMilliseconds(calendar(1))).toBe(86_400_000);
    expect(durationMilliseconds(calendar(7))).toBe(604_800_000);
    expect(durationMilliseconds(elapsed(5))).toBe(5000);
  });
});
