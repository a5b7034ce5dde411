import { median } from './stats';

/** The goals of the throughput issue, each beside the figure that shows it. */
export interface Goal {
  id: string;
  /** What is measured, for the table. */
  figure: string;
  /** The goal as the README states it. */
  text: string;
  comparison: 'atLeast' | 'atMost';
  target: number;
}

// `as const` so a phase can only report a figure under an id this table judges (see GoalId).
export const GOALS = [
  { id: 'oncallLookups', figure: 'on call: who is on call, lookups per second', text: '≥ 50,000/s', comparison: 'atLeast', target: 50_000 },
  { id: 'oncallShifts', figure: 'on call: shifts of a 90-day window (ms)', text: '≤ 5 ms', comparison: 'atMost', target: 5 },
  { id: 'calendarFeed', figure: 'calendar: 90-day feed of 3 layers and 50 overrides rendered (ms)', text: '≤ 20 ms', comparison: 'atMost', target: 20 },
  { id: 'heartbeatsCheckCpu', figure: 'heartbeats: checking 1,000, CPU over the idle backend (% of a core)', text: '≤ 5 %', comparison: 'atMost', target: 5 },
  { id: 'heartbeatsCpu', figure: 'heartbeats: 1,000 pinged every 10 s, checks and pings, CPU over idle (% of a core)', text: '≤ 5 %', comparison: 'atMost', target: 5 },
  { id: 'heartbeatLateness', figure: 'heartbeats: latest alert after its deadline (s)', text: '≤ 5 s', comparison: 'atMost', target: 5 },
  { id: 'raise8', figure: 'raise ÷ database floor, 8 tenants', text: '≥ 0.50×', comparison: 'atLeast', target: 0.5 },
  { id: 'raise1', figure: 'raise ÷ database floor, 1 tenant', text: '≥ 0.35×', comparison: 'atLeast', target: 0.35 },
  { id: 'pipelineFloor', figure: 'raise and page ÷ the pipeline floor, one core', text: '≥ 0.70×', comparison: 'atLeast', target: 0.7 },
  // A service raise may cost at most 1.2× a named one: it must reach at least 1/1.2 of its rate.
  { id: 'serviceRaise', figure: 'raise for a service ÷ raise naming the on-call person (per s)', text: '≥ 0.83× (costs ≤ 1.2×)', comparison: 'atLeast', target: 0.83 },
  { id: 'priority', figure: 'critical page behind 5,000 queued medium → fake Twilio (s)', text: '≤ 1 s', comparison: 'atMost', target: 1 },
  // The roles issue (24) set this goal at 0.35× once the outcome rides in the ack; the throughput issue had 0.50×.
  { id: 'gateway', figure: 'gateway commands handled ÷ bare Bolt acks (per s)', text: '≥ 0.35×', comparison: 'atLeast', target: 0.35 },
  { id: 'e2e100', figure: 'end to end p99 at 100/s offered (ms)', text: '≤ 100 ms', comparison: 'atMost', target: 100 },
  { id: 'stormTime', figure: 'storm: every first page at the fake Twilio (s)', text: '≤ 30 s', comparison: 'atMost', target: 30 },
  { id: 'stormDuplicates', figure: 'storm: duplicate sends', text: '0', comparison: 'atMost', target: 0 },
  // The roles issue (24): the same storm through an api process with two worker processes paging it.
  { id: 'rolesStormTime', figure: 'storm with 2 workers: every first page at the fake Twilio (s)', text: '≤ 30 s', comparison: 'atMost', target: 30 },
  { id: 'rolesDuplicates', figure: 'storm with 2 workers: duplicate sends', text: '0', comparison: 'atMost', target: 0 },
  { id: 'overloadLost', figure: 'overload: acked commands silently lost', text: '0', comparison: 'atMost', target: 0 },
  { id: 'gatewayRss', figure: 'overload: gateway peak RSS ÷ bare Bolt', text: '≤ 1.30×', comparison: 'atMost', target: 1.3 },
  { id: 'backendRss', figure: 'overload: backend peak RSS (MB)', text: '≤ 250 MB', comparison: 'atMost', target: 250 },
  { id: 'healthy', figure: 'start to both healthy, existing data (s)', text: '≤ 3 s', comparison: 'atMost', target: 3 },
] as const satisfies readonly Goal[];

export type GoalId = (typeof GOALS)[number]['id'];

/** Whether a value meets its goal; null when there is no value to judge (the phase failed or was skipped). */
export function meets(goal: Pick<Goal, 'comparison' | 'target'>, value: number): boolean | null {
  if (Number.isNaN(value)) return null;
  return goal.comparison === 'atLeast' ? value >= goal.target : value <= goal.target;
}

/** One judged figure: the median of its runs, every run, and the verdict. */
export interface Verdict {
  id: GoalId;
  figure: string;
  goal: string;
  value: number;
  runs: number[];
  met: boolean | null;
}

export function judge(measured: ReadonlyMap<string, readonly number[]>): Verdict[] {
  return GOALS.map((goal) => {
    const runs = [...(measured.get(goal.id) ?? [])];
    // A run that could not produce a figure (NaN) makes the whole figure unknown rather than flattering it;
    // "never" (Infinity: the pages did not all arrive within the run's bound) is a figure, the worst one.
    const value = runs.length === 0 || runs.some((run) => Number.isNaN(run)) ? Number.NaN : median(runs);
    return { id: goal.id, figure: goal.figure, goal: goal.text, value, runs, met: meets(goal, value) };
  });
}

/** The goals not met, by name, for the closing line and the README. */
export function missed(verdicts: readonly Verdict[]): string[] {
  return verdicts.filter((verdict) => verdict.met !== true).map((verdict) => `${verdict.figure} (${verdict.met === null ? 'not measured' : `goal ${verdict.goal}`})`);
}

/**
 * Percentile of latencies where a request that never completed counts as slower than any that did: p99 of
 * 1,000 pages with 20 missing is "not within the run", never the p99 of the 980 that arrived.
 */
export function percentileWithMissing(latenciesMs: readonly number[], missing: number, p: number): number {
  const total = latenciesMs.length + missing;
  if (total === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  if (rank > latenciesMs.length) return Number.POSITIVE_INFINITY;
  return [...latenciesMs].sort((a, b) => a - b)[rank - 1]!;
}

/** What a command's response_url posts say became of it, given every post for it in order. */
export type CommandOutcome = 'raised' | 'toldFailed' | 'none';

export function outcomeOf(texts: readonly string[]): CommandOutcome {
  if (texts.some((text) => text.startsWith('🚨'))) return 'raised';
  // "❌ Nothing was paged: …" (the backend failed) and "⏳ Nothing was paged: …" (a rate limit) both tell the author.
  if (texts.some((text) => text.startsWith('❌') || text.startsWith('⏳ Nothing was paged'))) return 'toldFailed';
  return 'none';
}
