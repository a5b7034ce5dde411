import * as OnCallSchedule from '../../../apps/backend/src/oncall/schedule';
import { benchSchedule, measureOnCall, onCallTable, WINDOW_END, WINDOW_START, type OnCallScheduleModule } from './oncall';

// Outside the scripts build (tests are excluded) but inside `npm run typecheck`, which sees the backend's
// sources: when the schedule module changes what the bench calls, the typecheck fails here, not mid-bench.
type Fits<Actual extends Expected, Expected> = [Actual, Expected];
export type BenchViewOfTheSchedule = Fits<typeof OnCallSchedule, OnCallScheduleModule>;

describe('on-call bench', () => {
  it('measures the schedule the issue names: 3 layers of 20 members, 50 overrides, over a 90-day window', () => {
    const { schedule, overrides } = benchSchedule();
    expect(schedule.layers).toHaveLength(3);
    for (const layer of schedule.layers) expect(new Set(layer.members).size).toBe(20);
    expect(overrides).toHaveLength(50);
    expect(WINDOW_END.getTime() - WINDOW_START.getTime()).toBe(90 * 86_400_000);
  });

  it('returns figures from the real schedule module (a small run: this is no timing test)', () => {
    const figures = measureOnCall(OnCallSchedule, { runs: 1, lookups: 1000 });
    expect(figures.lookupsPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(figures.shifts90DaysMs)).toBe(true);
    // Weekly, daily and 12-hour turns over 90 days, cut by overrides: hundreds of segments, not one.
    expect(figures.segments).toBeGreaterThan(200);
    expect(figures.runs.lookupsPerSecond).toEqual([figures.lookupsPerSecond]);
    expect(onCallTable(figures).rows[0]).toEqual(['whoIsOnCall lookups/s', expect.stringMatching(/^[\d,]+$/), '≥ 50,000']);
  });
});
