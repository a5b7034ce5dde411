import * as CalendarFeed from '../../../apps/backend/src/oncall/calendar-feed';
import * as OnCallSchedule from '../../../apps/backend/src/oncall/schedule';
import { calendarTable, measureCalendar, type CalendarFeedModule } from './calendar';

// Outside the scripts build but inside `npm run typecheck`: when the feed module changes what the bench calls,
// the typecheck fails here, not mid-bench.
type Fits<Actual extends Expected, Expected> = [Actual, Expected];
export type BenchViewOfTheFeed = Fits<typeof CalendarFeed, CalendarFeedModule>;

describe('calendar bench', () => {
  it('renders the on-call bench schedule’s 90-day feed with the real modules (one run: this is no timing test)', () => {
    const figures = measureCalendar(OnCallSchedule, CalendarFeed, { runs: 1 });
    // Weekly, daily and 12-hour turns over 90 days, cut by overrides: hundreds of events, not one.
    expect(figures.events).toBeGreaterThan(200);
    expect(figures.bytes).toBeGreaterThan(figures.events * 100);
    expect(Number.isFinite(figures.renderMs)).toBe(true);
    expect(calendarTable(figures).rows[0]).toEqual([expect.stringMatching(/^90-day feed, \d+ events, \d+ KiB \(ms\)$/), expect.stringMatching(/^\d+\.\d\d$/), '≤ 20']);
  });
});
