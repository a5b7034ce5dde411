import fs from 'node:fs';
import type { Pool } from 'pg';

// CPU time from /proc (Linux): what a process, or PostgreSQL serving one database, spent, to divide by the
// alerts it handled.

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on

/** utime + stime of one process so far, in ms; NaN when /proc cannot tell (not Linux, exited). */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU so far of the PostgreSQL server processes connected to this pool's database, by pid. Only a server on this
 * host can be read; connections opened and closed between two readings are missed, so compare readings taken
 * while the services keep their pools open.
 */
export async function databaseCpuMs(pool: Pool): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  return new Map(rows.map(({ pid }) => [pid, processCpuMs(pid)]).filter(([, ms]) => !Number.isNaN(ms)) as Array<[number, number]>);
}

/** CPU spent between two readings of databaseCpuMs (a connection absent from the first counts from zero). */
export function databaseCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
