import { readCalendar } from '@klaxon/testing';
import { calendarShifts, renderCalendarFeed, shiftUid, FEED_WINDOW_MS } from './calendar-feed';
import { compileSchedule, type Schedule } from './schedule';

// The feed read back by a real iCalendar parser (ical.js), as a calendar client reads it.

const HOUR = 3_600_000;
const schedule: Schedule = {
  timeZone: 'Europe/Berlin',
  layers: [
    { name: 'weekly', members: ['U0ANNA', 'U0BEN'], shift: { kind: 'calendar', days: 7 }, handoff: '2026-12-07T09:00' },
    { name: 'office', members: ['U0EVE'], shift: { kind: 'calendar', days: 1 }, handoff: '2026-12-07T09:00', restrict: [{ days: ['sat'], from: '10:00', to: '12:00' }] },
  ],
};
// Wednesday 13:00 Berlin: Anna's week began on Monday at 09:00 (08:00 UTC).
const NOW = new Date('2026-12-09T12:00:00Z');
const override = { id: 'o1', person: 'U0CARA', start: new Date('2026-12-10T18:00:00Z'), end: new Date('2026-12-11T06:00:00Z') };

describe('calendarShifts', () => {
  const compiled = compileSchedule(schedule, [override]);

  it('is the 90-day window’s segments with someone on call, the current one from its real start', () => {
    const shifts = calendarShifts(compiled, NOW);
    const window = compiled.shifts(NOW, new Date(NOW.getTime() + FEED_WINDOW_MS));
    expect(shifts[0]).toEqual({ person: 'U0ANNA', source: 'weekly', start: new Date('2026-12-07T08:00:00Z'), end: window[0]!.end });
    expect(shifts.slice(1)).toEqual(window.slice(1).filter((segment) => segment.person !== null));
    // The override cuts Anna's week in three: before, Cara, after.
    expect(shifts.slice(0, 3).map((s) => [s.person, s.source, s.start.toISOString(), s.end.toISOString()])).toEqual([
      ['U0ANNA', 'weekly', '2026-12-07T08:00:00.000Z', '2026-12-10T18:00:00.000Z'],
      ['U0CARA', 'override', '2026-12-10T18:00:00.000Z', '2026-12-11T06:00:00.000Z'],
      ['U0ANNA', 'weekly', '2026-12-11T06:00:00.000Z', '2026-12-12T09:00:00.000Z'],
    ]);
  });

  it('leaves out nobody on call', () => {
    const gappy = compileSchedule({ timeZone: 'UTC', layers: [{ name: 'days', members: ['U0DAY'], shift: { kind: 'calendar', days: 1 }, handoff: '2026-12-07T09:00', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '09:00', to: '17:00' }] }] }, []);
    const shifts = calendarShifts(gappy, NOW);
    expect(shifts.every((s) => s.person === 'U0DAY')).toBe(true);
    // Today's window (in progress at noon), the 89 days after, and the last day's morning, cut at the window's end.
    expect(shifts).toHaveLength(91);
    expect(shifts.at(-1)).toMatchObject({ start: new Date('2027-03-09T09:00:00Z'), end: new Date('2027-03-09T12:00:00Z') });
    expect(shifts[1]).toMatchObject({ start: new Date('2026-12-10T09:00:00Z'), end: new Date('2026-12-10T17:00:00Z') });
  });
});

describe('renderCalendarFeed', () => {
  const compiled = compileSchedule(schedule, [override]);
  const shifts = calendarShifts(compiled, NOW);
  const render = (now = NOW, names = new Map([['U0ANNA', 'Anna Schmidt; on call, again']])) =>
    renderCalendarFeed({ schedule: { id: 'a7d0c3e2-0000-4000-8000-000000000001', name: 'payments', timeZone: 'Europe/Berlin' }, shifts, names, now });

  it('parses back to one event per shift: times in UTC, the name (or the id) as summary, the source in the description', () => {
    const { properties, events } = readCalendar(render());
    expect(properties).toMatchObject({ method: 'PUBLISH', 'x-wr-calname': 'On call: payments', 'refresh-interval': 'PT1H', 'x-published-ttl': 'PT1H' });
    expect(events.map((e) => [e.start, e.end])).toEqual(shifts.map((s) => [s.start, s.end]));
    expect(events[0]).toEqual({
      uid: shiftUid('a7d0c3e2-0000-4000-8000-000000000001', new Date('2026-12-07T08:00:00Z')),
      // Commas and semicolons survive: ical-generator escapes them, the parser unescapes them.
      summary: 'Anna Schmidt; on call, again',
      description: 'Source: layer weekly\nSchedule: payments (Europe/Berlin)\nSlack user: U0ANNA',
      start: new Date('2026-12-07T08:00:00Z'),
      end: new Date('2026-12-10T18:00:00Z'),
      utc: true,
      transparency: 'TRANSPARENT',
    });
    expect(events[1]).toMatchObject({ summary: 'U0CARA', description: expect.stringMatching(/^Source: override\n/) });
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
  });

  it('keeps every UID when fetched again later: a client updates its events instead of adding copies', () => {
    const first = readCalendar(render(NOW)).events;
    const later = readCalendar(render(new Date(NOW.getTime() + 3 * HOUR))).events;
    expect(later.map((e) => e.uid)).toEqual(first.map((e) => e.uid));
    expect(later.length).toBeGreaterThan(10);
  });
});
