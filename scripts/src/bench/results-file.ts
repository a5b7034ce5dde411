import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './apps';
import type { SummaryRow } from './closed-loop';
import { POOL_SIZE, type ReportTable } from './context';
import type { Verdict } from './goals';
import type { BenchOptions } from './options';

/**
 * Writes bench/results.json, the latest full run that docs/benchmark.md quotes (committed). Its shape is
 * read by people comparing runs: keep the keys. Infinity and NaN are not JSON: "never" and null.
 */
export function writeResults(report: {
  options: BenchOptions;
  durationS: number;
  database: string;
  rows: SummaryRow[];
  tables: ReportTable[];
  verdicts: Verdict[];
  problems: string[];
}): string {
  const file = path.join(ROOT, 'bench', 'results.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const finite = (value: number) => (Number.isFinite(value) ? Number(value.toFixed(3)) : value === Number.POSITIVE_INFINITY ? 'never' : null);
  const json = {
    date: new Date().toISOString(),
    durationS: Number(report.durationS.toFixed(2)),
    machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null },
    settings: { ...report.options, poolSize: POOL_SIZE, database: report.database },
    goals: report.verdicts.map((v) => ({ ...v, value: finite(v.value), runs: v.runs.map(finite) })),
    closedLoop: report.rows.map((row) => ({ ...row, ratio: finite(row.ratio) })),
    tables: report.tables,
    problems: report.problems,
    ok: report.problems.length === 0,
  };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}
