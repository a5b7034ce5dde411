import { loadBuiltApp } from '../apps';
import { calendarTable, measureCalendar, type CalendarFeedModule } from '../calendar';
import { step, type BenchContext, type PhaseResult } from '../context';
import type { OnCallScheduleModule } from '../oncall';
import { formatMs, median } from '../stats';

/** Runs per round: each is one feed, a few ms; the median of many is steady. */
const FEEDS = 50;

/** A schedule's 90-day calendar feed, rendered in this process by the built backend modules. */
export async function calendarPhase({ options }: Pick<BenchContext, 'options'>): Promise<PhaseResult> {
  const schedule = loadBuiltApp<OnCallScheduleModule>('backend/dist/oncall/schedule.js');
  const feed = loadBuiltApp<CalendarFeedModule>('backend/dist/oncall/calendar-feed.js');
  step(`calendar: warming up, then ${options.rounds} rounds of ${FEEDS} feeds (3 layers, 50 overrides, 90 days)`);
  // The first feeds time the JIT and the zone's first offsets (about 20 ms once per process), not a feed.
  measureCalendar(schedule, feed, { runs: 10 });
  const rounds = Array.from({ length: options.rounds }, () => measureCalendar(schedule, feed, { runs: FEEDS }));
  const medians = rounds.map((round) => round.renderMs);
  const figures = { ...rounds[0]!, renderMs: median(medians), runs: medians };
  step(`calendar: a 90-day feed of ${figures.events} events in ${formatMs(figures.renderMs)} ms`);
  return {
    figures: { calendarFeed: medians },
    tables: [{ title: `Calendar feed (in process: the on-call schedule of 3 layers × 20 members and 50 overrides, 90 days; median of ${FEEDS} feeds, median of ${options.rounds} rounds):`, ...calendarTable(figures) }],
  };
}
