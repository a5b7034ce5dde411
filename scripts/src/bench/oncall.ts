import { performance } from 'node:perf_hooks';
import type { Duration, Weekday } from '@klaxon/contracts';
import { formatMs, formatRate, median } from './stats';

// The on-call issue's performance goals, measured in process: who is on call for one schedule of 3 layers,
// 20 members and 50 overrides (≥ 50,000 lookups/s), and the shifts of a 90-day window (≤ 5 ms). A
// measurement, not a timed test: the bench's oncall phase runs it (`npm run bench -- --only oncall`).
//
// Like the rest of the bench, this project may not pull the backend's sources into its program: the schedule
// module is loaded from apps/backend/dist at run time, through the shape below, which oncall.test.ts checks
// against the real module under `npm run typecheck`.

/** apps/backend/src/oncall/schedule.ts, as the bench calls it. */
export interface OnCallScheduleModule {
  compileSchedule(schedule: BenchSchedule, overrides: readonly BenchOverride[]): BenchCompiledSchedule;
}

export interface BenchSchedule {
  timeZone: string;
  layers: Array<{ name: string; members: string[]; shift: Duration; handoff: string; restrict?: Array<{ days: Weekday[]; from: string; to: string }> }>;
}

export interface BenchOverride {
  id: string;
  person: string;
  start: Date;
  end: Date;
}

export interface BenchCompiledSchedule {
  whoIsOnCall(at: Date): { person: string } | null;
  shifts(from: Date, until: Date): ReadonlyArray<unknown>;
}

/** Medians over the runs, and the runs the goals are judged on. */
export interface OnCallFigures {
  lookupsPerSecond: number;
  shifts90DaysMs: number;
  /** How many segments the 90-day window has: what the shifts time bought. */
  segments: number;
  compileMs: number;
  runs: { lookupsPerSecond: number[]; shifts90DaysMs: number[] };
}

const DAY_MS = 86_400_000;
/** 90 days around Europe/Berlin's spring-forward change (2026-03-29), so the zone's arithmetic is on the path. */
export const WINDOW_START = new Date('2026-02-15T00:00:00Z');
export const WINDOW_END = new Date(WINDOW_START.getTime() + 90 * DAY_MS);

/** A day-in-the-life schedule: weekly primary, 12-hour follow-the-sun nights, a business-hours layer on top. */
export function benchSchedule(): { schedule: BenchSchedule; overrides: BenchOverride[] } {
  const team = (prefix: string) => Array.from({ length: 20 }, (_, index) => `U${prefix}${String(index).padStart(3, '0')}`);
  const schedule: BenchSchedule = {
    timeZone: 'Europe/Berlin',
    layers: [
      { name: 'primary', members: team('P'), shift: { kind: 'calendar', days: 7 }, handoff: '2026-01-05T09:00' },
      {
        name: 'nights',
        members: team('N'),
        shift: { kind: 'elapsed', seconds: 12 * 3600 },
        handoff: '2026-01-05T20:00',
        restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '20:00', to: '08:00' }],
      },
      {
        name: 'business-hours',
        members: team('B'),
        shift: { kind: 'calendar', days: 1 },
        handoff: '2026-01-05T09:00',
        restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
      },
    ],
  };
  const random = seededRandom(22);
  const overrides = Array.from({ length: 50 }, (_, index): BenchOverride => {
    const start = WINDOW_START.getTime() + Math.floor(random() * 90 * DAY_MS);
    const hours = 1 + Math.floor(random() * 48);
    return { id: `override-${index}`, person: `UOVR${String(index).padStart(3, '0')}`, start: new Date(start), end: new Date(start + hours * 3_600_000) };
  });
  return { schedule, overrides };
}

/** The medians of `runs` rounds: compiling, `lookups` lookups at instants spread over the window, and the window's shifts. */
export function measureOnCall(oncall: OnCallScheduleModule, options: { runs: number; lookups: number }): OnCallFigures {
  const { schedule, overrides } = benchSchedule();
  const random = seededRandom(7);
  const instants = Array.from({ length: 10_000 }, () => new Date(WINDOW_START.getTime() + Math.floor(random() * 90 * DAY_MS)));
  const compileRuns: number[] = [];
  const lookupRuns: number[] = [];
  const shiftRuns: number[] = [];
  let segments = 0;
  for (let run = 0; run < options.runs; run++) {
    let started = performance.now();
    const compiled = oncall.compileSchedule(schedule, overrides);
    compileRuns.push(performance.now() - started);

    let answered = 0;
    started = performance.now();
    for (let index = 0; index < options.lookups; index++) {
      if (compiled.whoIsOnCall(instants[index % instants.length]!) !== null) answered += 1;
    }
    lookupRuns.push(options.lookups / ((performance.now() - started) / 1000));
    // Used, so the loop cannot be optimised away; and a schedule where nobody answers would measure nothing.
    if (answered === 0) throw new Error('nobody was on call at any instant: the bench schedule is wrong');

    started = performance.now();
    segments = compiled.shifts(WINDOW_START, WINDOW_END).length;
    shiftRuns.push(performance.now() - started);
  }
  return {
    lookupsPerSecond: median(lookupRuns),
    shifts90DaysMs: median(shiftRuns),
    segments,
    compileMs: median(compileRuns),
    runs: { lookupsPerSecond: lookupRuns, shifts90DaysMs: shiftRuns },
  };
}

/** The figures beside their goals, with what the goals do not judge (the compile time, the segments). */
export function onCallTable(figures: OnCallFigures): { header: string[]; rows: string[][] } {
  return {
    header: ['figure', 'value', 'goal'],
    rows: [
      ['whoIsOnCall lookups/s', formatRate(figures.lookupsPerSecond), '≥ 50,000'],
      [`shifts of 90 days, ${figures.segments} segments (ms)`, formatMs(figures.shifts90DaysMs), '≤ 5'],
      ['compileSchedule (ms)', formatMs(figures.compileMs), ''],
    ],
  };
}

// A fixed sequence (mulberry32), so every run of the bench asks the same questions.
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
