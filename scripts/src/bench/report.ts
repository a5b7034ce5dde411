import type { SummaryRow } from './closed-loop';
import type { ReportTable } from './context';
import { missed, type GoalId, type Verdict } from './goals';
import { formatMs, formatRate, formatTable } from './stats';

/** The tables of a run, as printed: closed loop, each phase's own table, the goals, then what was missed. */
export function printReport({ rows, tables, verdicts }: { rows: SummaryRow[]; tables: ReportTable[]; verdicts: Verdict[] }): void {
  console.log(`\nClosed loop (req/s, p50 and p99 of the median round; ratio = req/s ÷ the baseline's, same run):\n`);
  console.log(formatTable(CLOSED_LOOP_HEADER, rows.map(closedLoopRow)));
  for (const table of tables) console.log(`\n${table.title}\n\n${formatTable(table.header, table.rows)}`);
  console.log(`\nGoals (median of the runs; every run in brackets):\n\n${formatTable(GOAL_HEADER, verdicts.map(goalRow))}`);
  const notMet = missed(verdicts);
  console.log(notMet.length === 0 ? '\nEvery goal is met.' : `\nMissed: ${notMet.join('; ')}.`);
}

const CLOSED_LOOP_HEADER = ['scenario', 'clients', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'vs', 'rounds (req/s)'];

function closedLoopRow(row: SummaryRow): string[] {
  const names: Record<string, string> = { 'gateway.bare': 'bare Bolt', floor8: 'floor ×8', floor1: 'floor ×1' };
  return [
    row.scenario,
    String(row.clients),
    formatRate(row.perSecond),
    formatMs(row.p50Ms),
    formatMs(row.p99Ms),
    Number.isNaN(row.ratio) ? 'n/a' : `${row.ratio.toFixed(2)}x`,
    row.baseline === null ? '(baseline)' : (names[row.baseline] ?? row.baseline),
    row.rounds.map((r) => formatRate(r.perSecond)).join(' '),
  ];
}

const GOAL_HEADER = ['figure', 'measured', 'runs', 'goal', 'met'];
/** Small figures, where one decimal would hide what differs from run to run. */
const TWO_DECIMALS: ReadonlySet<GoalId> = new Set<GoalId>(['healthy', 'stormTime', 'priority', 'oncallShifts', 'calendarFeed']);

function goalRow(verdict: Verdict): string[] {
  const format = (value: number) => {
    if (Number.isNaN(value)) return 'n/a';
    if (value === Number.POSITIVE_INFINITY) return 'never';
    if (verdict.goal.endsWith('×')) return `${value.toFixed(2)}x`;
    // Millions per second: digits past the point would be noise, separators make it readable.
    if (verdict.id === 'oncallLookups') return formatRate(value);
    return Number.isInteger(value) ? String(value) : value.toFixed(TWO_DECIMALS.has(verdict.id) ? 2 : 1);
  };
  return [verdict.figure, format(verdict.value), verdict.runs.map(format).join(' '), verdict.goal, verdict.met === null ? 'not measured' : verdict.met ? 'yes' : 'NO'];
}
