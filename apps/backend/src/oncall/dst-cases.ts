/**
 * Hand-offs across daylight saving changes, as a person reading a wall clock expects them: the table the
 * tests check (dst-cases.test.ts) and the README prints. Each case is one layer of three members; `handoffs`
 * are every hand-off between an hour before the first and an hour after the last, written as local time
 * with the offset in force (what the clock on the wall shows, and the exact instant).
 *
 * 2026's changes: Europe/Berlin springs forward on 29 March (02:00 → 03:00) and falls back on 25 October
 * (03:00 → 02:00); America/New_York springs forward on 8 March (02:00 → 03:00) and falls back on 1 November
 * (02:00 → 01:00).
 */
export interface DstCase {
  readonly zone: string;
  /** What the case shows, in a few words. */
  readonly case: string;
  readonly shift: string;
  /** The layer's `handoff`: when members[0] takes over, before or after the table's dates. */
  readonly handoff: string;
  readonly handoffs: readonly string[];
}

export const DST_CASES: readonly DstCase[] = [
  {
    zone: 'Europe/Berlin',
    case: 'daily 09:00 stays 09:00 across spring forward',
    shift: '1d',
    handoff: '2026-03-01T09:00',
    handoffs: ['2026-03-28T09:00+01:00', '2026-03-29T09:00+02:00', '2026-03-30T09:00+02:00'],
  },
  {
    zone: 'Europe/Berlin',
    case: 'daily 09:00 stays 09:00 across fall back',
    shift: '1d',
    handoff: '2026-10-01T09:00',
    handoffs: ['2026-10-24T09:00+02:00', '2026-10-25T09:00+01:00', '2026-10-26T09:00+01:00'],
  },
  {
    zone: 'Europe/Berlin',
    case: 'weekly Monday 09:00 across spring forward (hand-off date later: counted backwards)',
    shift: '1w',
    handoff: '2026-12-07T09:00',
    handoffs: ['2026-03-23T09:00+01:00', '2026-03-30T09:00+02:00'],
  },
  {
    zone: 'Europe/Berlin',
    case: 'weekly Monday 09:00 across fall back',
    shift: '1w',
    handoff: '2026-12-07T09:00',
    handoffs: ['2026-10-19T09:00+02:00', '2026-10-26T09:00+01:00'],
  },
  {
    zone: 'Europe/Berlin',
    case: 'daily 02:30, skipped on the spring-forward day: 03:00 that day',
    shift: '1d',
    handoff: '2026-03-01T02:30',
    handoffs: ['2026-03-28T02:30+01:00', '2026-03-29T03:00+02:00', '2026-03-30T02:30+02:00'],
  },
  {
    zone: 'Europe/Berlin',
    case: 'daily 02:30, twice on the fall-back day: the first',
    shift: '1d',
    handoff: '2026-10-01T02:30',
    handoffs: ['2026-10-24T02:30+02:00', '2026-10-25T02:30+02:00', '2026-10-26T02:30+01:00'],
  },
  {
    zone: 'Europe/Berlin',
    case: '8h shifts count elapsed hours across spring forward (01:00 → 10:00 local)',
    shift: '8h',
    handoff: '2026-03-28T17:00',
    handoffs: ['2026-03-28T17:00+01:00', '2026-03-29T01:00+01:00', '2026-03-29T10:00+02:00', '2026-03-29T18:00+02:00'],
  },
  {
    zone: 'Europe/Berlin',
    case: '12h shifts count elapsed hours across fall back (21:00 → 08:00 local)',
    shift: '12h',
    handoff: '2026-10-24T21:00',
    handoffs: ['2026-10-24T21:00+02:00', '2026-10-25T08:00+01:00', '2026-10-25T20:00+01:00'],
  },
  {
    zone: 'America/New_York',
    case: 'daily 09:00 stays 09:00 across spring forward',
    shift: '1d',
    handoff: '2026-03-01T09:00',
    handoffs: ['2026-03-07T09:00-05:00', '2026-03-08T09:00-04:00', '2026-03-09T09:00-04:00'],
  },
  {
    zone: 'America/New_York',
    case: 'daily 09:00 stays 09:00 across fall back',
    shift: '1d',
    handoff: '2026-10-01T09:00',
    handoffs: ['2026-10-31T09:00-04:00', '2026-11-01T09:00-05:00', '2026-11-02T09:00-05:00'],
  },
  {
    zone: 'America/New_York',
    case: 'weekly Monday 09:00 across spring forward (hand-off date later: counted backwards)',
    shift: '1w',
    handoff: '2026-12-07T09:00',
    handoffs: ['2026-03-02T09:00-05:00', '2026-03-09T09:00-04:00'],
  },
  {
    zone: 'America/New_York',
    case: 'weekly Monday 09:00 across fall back',
    shift: '1w',
    handoff: '2026-12-07T09:00',
    handoffs: ['2026-10-26T09:00-04:00', '2026-11-02T09:00-05:00'],
  },
  {
    zone: 'America/New_York',
    case: 'daily 02:30, skipped on the spring-forward day: 03:00 that day',
    shift: '1d',
    handoff: '2026-03-01T02:30',
    handoffs: ['2026-03-07T02:30-05:00', '2026-03-08T03:00-04:00', '2026-03-09T02:30-04:00'],
  },
  {
    zone: 'America/New_York',
    case: 'daily 01:30, twice on the fall-back day: the first',
    shift: '1d',
    handoff: '2026-10-01T01:30',
    handoffs: ['2026-10-31T01:30-04:00', '2026-11-01T01:30-04:00', '2026-11-02T01:30-05:00'],
  },
  {
    zone: 'America/New_York',
    case: '12h shifts count elapsed hours across spring forward (21:00 → 10:00 local)',
    shift: '12h',
    handoff: '2026-03-07T21:00',
    handoffs: ['2026-03-07T21:00-05:00', '2026-03-08T10:00-04:00', '2026-03-08T22:00-04:00'],
  },
  {
    zone: 'America/New_York',
    case: '24h is elapsed, not a day: 09:00 becomes 08:00 after fall back',
    shift: '24h',
    handoff: '2026-10-31T09:00',
    handoffs: ['2026-10-31T09:00-04:00', '2026-11-01T08:00-05:00', '2026-11-02T08:00-05:00'],
  },
];

/** The table as docs/oncall.md prints it (a test keeps the two equal): one row per case, hand-offs in local time. */
export function dstTableMarkdown(cases: readonly DstCase[] = DST_CASES): string {
  const rows = cases.map((c) => `| ${c.zone} | \`${c.shift}\` | \`${c.handoff}\` | ${c.case} | ${c.handoffs.map((h) => `\`${h}\``).join(' → ')} |`);
  return ['| zone | shift | `handoff` | case | hand-offs seen (local time and offset) |', '|---|---|---|---|---|', ...rows].join('\n');
}
