import { dueOf, handoffsIn, handoffText, noticesDue, type Handoff } from './handoff-plan';
import type { OnCallSegment } from './schedule';

const at = (iso: string) => new Date(iso);
const segment = (person: string | null, source: string | null, start: string, end: string): OnCallSegment =>
  (person === null ? { person: null, source: null, start: at(start), end: at(end) } : { person, source: source!, start: at(start), end: at(end) }) as OnCallSegment;
const HOUR = 3_600_000;

describe('handoffsIn', () => {
  const segments = [
    segment('U0ANNA', 'weekly', '2026-12-07T08:00:00Z', '2026-12-10T18:00:00Z'),
    segment('U0ANNA', 'override', '2026-12-10T18:00:00Z', '2026-12-11T06:00:00Z'),
    segment(null, null, '2026-12-11T06:00:00Z', '2026-12-11T08:00:00Z'),
    segment('U0ANNA', 'weekly', '2026-12-11T08:00:00Z', '2026-12-14T08:00:00Z'),
    segment('U0BEN', 'weekly', '2026-12-14T08:00:00Z', '2026-12-21T08:00:00Z'),
    segment('U0CARA', 'override', '2026-12-21T08:00:00Z', '2026-12-22T08:00:00Z'),
  ];

  it('is every segment where someone takes over from someone else or from nobody, until the next change', () => {
    expect(handoffsIn(segments)).toEqual([
      { person: 'U0ANNA', start: at('2026-12-11T08:00:00Z'), until: at('2026-12-14T08:00:00Z') },
      { person: 'U0BEN', start: at('2026-12-14T08:00:00Z'), until: at('2026-12-21T08:00:00Z') },
      // Nothing after Cara within the segments: no end known.
      { person: 'U0CARA', start: at('2026-12-21T08:00:00Z'), until: null },
    ]);
  });

  it('counts neither the window’s first segment nor a change of source alone (an override of the person on call)', () => {
    expect(handoffsIn(segments.slice(0, 2))).toEqual([]);
  });
});

describe('noticesDue', () => {
  const handoffs: Handoff[] = [
    { person: 'U0BEN', start: at('2026-12-14T08:00:00Z'), until: at('2026-12-21T08:00:00Z') },
    { person: 'U0CARA', start: at('2026-12-15T08:00:00Z'), until: null },
  ];
  const window = { aheadMs: 15 * 60_000, lateMs: HOUR };

  it.each([
    ['well before anything is due', '2026-12-13T06:00:00Z', []],
    ['just before the day-before notice: planned ahead', '2026-12-13T07:50:00Z', [['U0BEN', 'day_before', '2026-12-13T08:00:00.000Z']]],
    ['at the shift start: its own notice, and the next hand-off’s day-before', '2026-12-14T08:00:00Z', [['U0BEN', 'start', '2026-12-14T08:00:00.000Z'], ['U0CARA', 'day_before', '2026-12-14T08:00:00.000Z']]],
    ['59 minutes late: still sent', '2026-12-14T08:59:00Z', [['U0BEN', 'start', '2026-12-14T08:00:00.000Z'], ['U0CARA', 'day_before', '2026-12-14T08:00:00.000Z']]],
    ['an hour late: too late to be news', '2026-12-14T09:00:00Z', []],
  ])('%s', (_case, now, expected) => {
    expect(noticesDue(handoffs, at(now), window).map((n) => [n.person, n.kind, n.due.toISOString()])).toEqual(expected);
  });

  it('is due at the start, or a day before it', () => {
    expect(dueOf('day_before', at('2026-03-30T07:00:00Z'))).toEqual(at('2026-03-29T07:00:00Z'));
    expect(dueOf('start', at('2026-03-30T07:00:00Z'))).toEqual(at('2026-03-30T07:00:00Z'));
  });
});

describe('handoffText', () => {
  const words = { kind: 'start' as const, start: at('2026-12-14T08:00:00Z'), until: at('2026-12-21T08:00:00Z'), timeZone: 'Europe/Berlin', services: ['payments'], schedule: 'payments-primary' };

  it.each([
    ['a weekly shift of one service', words, 'You’re on call for payments from Mon 09:00 to Mon 09:00 Europe/Berlin.'],
    ['the day before', { ...words, kind: 'day_before' as const }, 'Tomorrow you’re on call for payments from Mon 09:00 to Mon 09:00 Europe/Berlin.'],
    ['several services', { ...words, services: ['checkout', 'payments', 'refunds'] }, 'You’re on call for checkout, payments and refunds from Mon 09:00 to Mon 09:00 Europe/Berlin.'],
    ['no service: the schedule', { ...words, services: [] }, 'You’re on call for the payments-primary schedule from Mon 09:00 to Mon 09:00 Europe/Berlin.'],
    ['a night, in another zone', { ...words, timeZone: 'America/New_York', until: at('2026-12-14T20:00:00Z') }, 'You’re on call for payments from Mon 03:00 to Mon 15:00 America/New_York.'],
    ['more than a week: with dates', { ...words, until: at('2026-12-28T08:00:00Z') }, 'You’re on call for payments from Mon 14 Dec 09:00 to Mon 28 Dec 09:00 Europe/Berlin.'],
    ['no end in sight', { ...words, until: null }, 'You’re on call for payments from Mon 14 Dec 09:00 Europe/Berlin until further notice.'],
  ])('%s', (_case, input, expected) => {
    expect(handoffText(input)).toBe(expected);
  });
});
