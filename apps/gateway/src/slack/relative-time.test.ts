import { relativeTime } from './relative-time';

describe('relativeTime', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it.each([
    ['2026-11-23T12:00:00Z', 'just now'],
    ['2026-11-23T12:00:30Z', 'just now'],
    ['2026-11-23T11:59:01Z', 'just now'],
    ['2026-11-23T11:59:00Z', '1 minute ago'],
    ['2026-11-23T11:58:00Z', '2 minutes ago'],
    ['2026-11-23T11:00:01Z', '59 minutes ago'],
    ['2026-11-23T11:00:00Z', '1 hour ago'],
    ['2026-11-22T12:00:01Z', '23 hours ago'],
    ['2026-11-22T12:00:00Z', '1 day ago'],
    ['2026-11-13T12:00:00Z', '10 days ago'],
    ['not a date', 'at an unknown time'],
  ])('says %s is %j', (at, expected) => {
    expect(relativeTime(at, now)).toBe(expected);
  });
});
