import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

// CPU time from /proc (Linux): what a process tree really spent, whatever else shares the machine.

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface ProcStat {
  ppid: number;
  /** utime + stime of every thread, in ms. */
  cpuMs: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted from the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** CPU ms one process (all its threads) has used so far; NaN once it is gone. */
export function processCpuMs(pid: number): number {
  return readStat(pid)?.cpuMs ?? Number.NaN;
}

/** The pids whose parent is `parent`. */
export function childrenOf(parent: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => readStat(pid)?.ppid === parent);
}

/**
 * CPU ms a PostgreSQL server has used so far: the postmaster and every process it forked (backends, WAL
 * writer, checkpointer…). A backend that exited since the last reading takes its time with it, so the
 * connections measured should be pooled ones that stay open.
 */
export function postgresCpuMs(postmaster: number): number {
  return [postmaster, ...childrenOf(postmaster)].reduce((sum, pid) => sum + (readStat(pid)?.cpuMs ?? 0), 0);
}

/** The postmaster of a backend on this machine (the parent of `pg_backend_pid()`), or null when it is not local. */
export function postmasterOf(backendPid: number): number | null {
  const stat = readStat(backendPid);
  return stat && stat.ppid > 1 ? stat.ppid : null;
}

/** Pins `pid` with every thread to `cpus` (`taskset -a -p -c`); false when taskset refused or is missing. */
export function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
