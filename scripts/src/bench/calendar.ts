import { performance } from 'node:perf_hooks';
import { benchSchedule, WINDOW_START, type BenchCompiledSchedule, type OnCallScheduleModule } from './oncall';
import { formatMs, median } from './stats';

// The calendar issue's performance goal, measured in process: the 90-day feed of a schedule of 3 layers and 50
// overrides rendered in ≤ 20 ms (compile the schedule, work out the shifts, write the iCalendar text with
// ical-generator). A measurement, not a timed test: `npm run bench -- --only calendar`. Names come from a map
// (as from the warm name cache): Slack lookups are the directory's time, not rendering.
//
// As for the on-call phase, the modules are loaded from apps/backend/dist through the shapes below, which
// calendar.test.ts checks against the real modules under `npm run typecheck`.

/** apps/backend/src/oncall/calendar-feed.ts, as the bench calls it. */
export interface CalendarFeedModule {
  calendarShifts(compiled: BenchCompiledSchedule & { segmentAt(at: Date): { start: Date } }, now: Date): ReadonlyArray<{ person: string; start: Date; end: Date }>;
  renderCalendarFeed(input: {
    schedule: { id: string; name: string; timeZone: string };
    shifts: ReadonlyArray<{ person: string; source: string; start: Date; end: Date }>;
    names: ReadonlyMap<string, string>;
    now: Date;
  }): string;
}

export interface CalendarFigures {
  /** Compile, shifts and text together: what a feed request costs beyond the database and the names. */
  renderMs: number;
  events: number;
  bytes: number;
  runs: number[];
}

/** Within the on-call bench's window, so its overrides fall in the feed's 90 days. */
export const FEED_NOW = WINDOW_START;

export function measureCalendar(schedule: OnCallScheduleModule, feed: CalendarFeedModule, options: { runs: number }): CalendarFigures {
  const { schedule: definition, overrides } = benchSchedule();
  const people = [...new Set([...definition.layers.flatMap((layer) => layer.members), ...overrides.map((o) => o.person)])];
  const names = new Map(people.map((person, index) => [person, `Person ${index} of the rota`]));
  const runs: number[] = [];
  let events = 0;
  let bytes = 0;
  for (let run = 0; run < options.runs; run++) {
    const started = performance.now();
    const compiled = schedule.compileSchedule(definition, overrides) as BenchCompiledSchedule & { segmentAt(at: Date): { start: Date } };
    const shifts = feed.calendarShifts(compiled, FEED_NOW) as ReadonlyArray<{ person: string; source: string; start: Date; end: Date }>;
    const text = feed.renderCalendarFeed({ schedule: { id: 'a7d0c3e2-0000-4000-8000-000000000001', name: 'bench', timeZone: definition.timeZone }, shifts, names, now: FEED_NOW });
    runs.push(performance.now() - started);
    events = shifts.length;
    bytes = Buffer.byteLength(text);
    // Used, so the work cannot be optimised away; and a feed without events would measure nothing.
    if (events === 0 || !text.includes('BEGIN:VEVENT')) throw new Error('the bench feed has no events: the bench schedule is wrong');
  }
  return { renderMs: median(runs), events, bytes, runs };
}

export function calendarTable(figures: CalendarFigures): { header: string[]; rows: string[][] } {
  return {
    header: ['figure', 'value', 'goal'],
    rows: [
      [`90-day feed, ${figures.events} events, ${Math.round(figures.bytes / 1024)} KiB (ms)`, formatMs(figures.renderMs), '≤ 20'],
    ],
  };
}
