import { step, type BenchContext } from './context';
import type { LoadResult, LoadSpec } from './load';
import { formatRate, median, ratio } from './stats';

/** One measured thing; rounds alternate between the targets of a phase so drift hits them all alike. */
export interface Target {
  id: string;
  /** Short name for progress lines. */
  name: string;
  /** Long name for the table. */
  label: string;
  /** Id of the target this one is compared with; none for a baseline. */
  baseline?: string;
  spec: Omit<LoadSpec, 'durationMs'>;
  /** Runs after each of its runs (warm-up included), e.g. to wait for work the server does after answering. */
  afterRun?: (result: LoadResult) => Promise<string | undefined>;
}

export interface Measured {
  target: Target;
  rounds: LoadResult[];
}

/** Warms every target up, then runs the rounds, each round visiting every target once in turn. */
export async function measure(phase: string, targets: Target[], { options, load, problems }: BenchContext): Promise<Measured[]> {
  const run = async (target: Target, durationMs: number) => {
    const result = await load.run({ ...target.spec, durationMs });
    if (result.failed > 0) {
      problems.push(`${target.name}: ${result.failed} of ${result.ok + result.failed} requests failed, e.g. ${result.failures.join(' | ')}`);
    } else if (result.ok === 0) {
      problems.push(`${target.name}: no request was answered`);
    }
    const note = await target.afterRun?.(result);
    return { result, note };
  };

  step(`${phase}: warming up ${targets.map((t) => t.name).join(', ')} (${options.warmupMs / 1000} s each)`);
  for (const target of targets) await run(target, options.warmupMs);

  const measured = targets.map((target): Measured => ({ target, rounds: [] }));
  for (let round = 1; round <= options.rounds; round++) {
    const parts: string[] = [];
    for (const entry of measured) {
      const { result, note } = await run(entry.target, options.roundMs);
      entry.rounds.push(result);
      parts.push(`${entry.target.name} ${formatRate(result.perSecond)}/s${note ? ` (${note})` : ''}`);
    }
    step(`${phase}: round ${round}/${options.rounds}: ${parts.join(' · ')}`);
  }
  return measured;
}

/** The ratio of `id` to its baseline in each round (rounds ran back to back, so each pair shares its moment). */
export function roundRatios(measured: Measured[], id: string): number[] {
  const entry = measured.find((m) => m.target.id === id);
  const baseline = measured.find((m) => m.target.id === entry?.target.baseline);
  if (!entry || !baseline) return [Number.NaN];
  return entry.rounds.map((round, i) => ratio(round.perSecond, baseline.rounds[i]?.perSecond ?? Number.NaN));
}

/** One row of the closed-loop table; results.json's "closedLoop" entries have these keys, in this order. */
export interface SummaryRow {
  id: string;
  scenario: string;
  clients: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  baseline: string | null;
  /** Median over the rounds of (perSecond ÷ the baseline's perSecond in the same round); 1 for a baseline. */
  ratio: number;
  rounds: Array<Omit<LoadResult, 'sent'>>;
}

/** One row per target: medians over its rounds, so one noisy round cannot move the figure much. */
export function summarise(measured: Measured[]): SummaryRow[] {
  return measured.map(
    ({ target, rounds }): SummaryRow => ({
      id: target.id,
      scenario: target.label,
      clients: target.spec.connections,
      perSecond: median(rounds.map((r) => r.perSecond)),
      p50Ms: median(rounds.map((r) => r.p50Ms)),
      p99Ms: median(rounds.map((r) => r.p99Ms)),
      baseline: target.baseline ?? null,
      ratio: target.baseline ? median(roundRatios(measured, target.id)) : 1,
      rounds,
    }),
  );
}
