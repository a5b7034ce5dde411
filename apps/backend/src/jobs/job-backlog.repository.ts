import type { Queryable } from '../db/database';

export interface JobBacklog {
  /** Jobs waiting or running, permanently failed ones excluded. */
  depth: number;
  /** Seconds the oldest due, unclaimed job has waited past its run time; 0 when none is due. */
  oldestDueAgeSeconds: number;
}

/**
 * The job queue as metrics and /health see it, in one statement over graphile-worker's public view. Due and
 * unlocked jobs only count towards the age: a delayed escalation is not late, a running job is not waiting.
 * Times are the database's, like `run_at`.
 */
export async function jobBacklog(db: Queryable): Promise<JobBacklog> {
  const row = await db.one<{ depth: number; oldest: number | null }>(
    `SELECT count(*)::int AS depth,
            extract(epoch FROM now() - min(run_at) FILTER (WHERE run_at <= now() AND locked_at IS NULL))::float8 AS oldest
       FROM graphile_worker.jobs
      WHERE attempts < max_attempts`,
  );
  return { depth: row.depth, oldestDueAgeSeconds: Math.max(0, row.oldest ?? 0) };
}
