import type { Queryable } from '../db/database';
import type { TaskName } from './job-queue';

/** A job as graphile-worker's public `jobs` view shows it (no payload: the view has none). */
export interface KeyedJob {
  key: string;
  task: TaskName;
  runAt: Date;
  priority: number;
  /** Being run by a worker now (or by one that died holding it). */
  locked: boolean;
  /** Its attempts are used up: graphile-worker will never run it again. */
  failedForGood: boolean;
}

/**
 * The jobs with these keys, whatever their state, so callers outside this room never read graphile-worker's
 * tables: a job key names one job at a time (adding a key again replaces a waiting job).
 */
export async function findJobs(db: Queryable, keys: readonly string[]): Promise<KeyedJob[]> {
  if (keys.length === 0) return [];
  const rows = await db.manyOrNone<{ key: string; task: TaskName; run_at: Date; priority: number; locked: boolean; failed_for_good: boolean }>(
    `SELECT key, task_identifier AS task, run_at, priority, locked_at IS NOT NULL AS locked, attempts >= max_attempts AS failed_for_good
       FROM graphile_worker.jobs WHERE key = ANY($1::text[]) ORDER BY key`,
    [keys],
  );
  return rows.map((r) => ({ key: r.key, task: r.task, runAt: r.run_at, priority: r.priority, locked: r.locked, failedForGood: r.failed_for_good }));
}

/**
 * Takes the job with this key off the queue if it is waiting (not being run), and says whether this caller
 * took it: of callers racing for one waiting job, one gets true, so the work it stood for runs once. A job
 * being run is left to run.
 */
export async function takeWaitingJob(db: Queryable, key: string): Promise<boolean> {
  const waiting = await db.oneOrNone<{ id: string }>('SELECT id FROM graphile_worker.jobs WHERE key = $1 AND locked_at IS NULL', [key]);
  if (!waiting) return false;
  // remove_job deletes an unlocked job and returns it; a job locked meanwhile comes back locked, and does the work itself.
  const removed = await db.oneOrNone<{ id: string }>('SELECT id FROM graphile_worker.remove_job($1) WHERE id = $2 AND locked_at IS NULL', [key, waiting.id]);
  return removed !== null;
}

/**
 * PostgreSQL's now(): the clock graphile-worker runs jobs by (a job runs once now() passes its run_at). Work
 * due at an instant of the engine's Clock is placed on it by the time left until then, so a job planned for
 * "in 10 minutes" runs 10 minutes later whatever the two clocks read (and at once, in a test whose clock was
 * moved to the instant).
 */
export async function queueNow(db: Queryable): Promise<Date> {
  return (await db.one<{ now: Date }>('SELECT now() AS now')).now;
}
