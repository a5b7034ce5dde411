import { loadBuiltApp } from '../apps';
import { step, type BenchContext, type PhaseResult } from '../context';
import { measureOnCall, onCallTable, type OnCallScheduleModule } from '../oncall';
import { formatMs, formatRate } from '../stats';

/** Lookups per run: about a tenth of a second at this machine's rate, long enough to dwarf the timer. */
const LOOKUPS = 200_000;

/** Who is on call and the 90-day shifts, in this process against the built schedule module. */
export async function onCallPhase({ options }: Pick<BenchContext, 'options'>): Promise<PhaseResult> {
  const schedule = loadBuiltApp<OnCallScheduleModule>('backend/dist/oncall/schedule.js');
  step(`oncall: warming up, then ${options.rounds} runs of ${LOOKUPS.toLocaleString('en-US')} lookups and one 90-day window each`);
  // As the closed-loop phases warm up: the first run would otherwise time the JIT compiling the schedule code.
  measureOnCall(schedule, { runs: 1, lookups: LOOKUPS / 10 });
  const figures = measureOnCall(schedule, { runs: options.rounds, lookups: LOOKUPS });
  step(`oncall: ${formatRate(figures.lookupsPerSecond)} lookups/s; the shifts of 90 days (${figures.segments} segments) in ${formatMs(figures.shifts90DaysMs)} ms`);
  return {
    figures: { oncallLookups: figures.runs.lookupsPerSecond, oncallShifts: figures.runs.shifts90DaysMs },
    tables: [
      {
        title: `On call (in process: one schedule of 3 layers × 20 members and 50 overrides in Europe/Berlin, a 90-day window; median of ${options.rounds} runs):`,
        ...onCallTable(figures),
      },
    ],
  };
}
