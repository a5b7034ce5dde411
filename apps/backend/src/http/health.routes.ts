import { Router } from 'express';
import type { Database } from '../db/database';
import { jobBacklog, type JobBacklog } from '../jobs/job-backlog.repository';

/** `not_started`: this backend serves HTTP without a job runner (tests); main.ts starts it before listening. */
export type WorkerState = 'running' | 'stopped' | 'not_started';

/** The body of GET /health (200 and 503 alike); the OpenAPI document mirrors it. */
export interface HealthBody {
  status: 'healthy' | 'unhealthy';
  db: 'up' | 'down';
  db_latency_ms: number;
  jobs: {
    worker: WorkerState;
    /** Jobs waiting or running; null when the database did not answer. */
    depth: number | null;
    /** Seconds the oldest due job has waited; null when the database did not answer. */
    oldest_due_age_s: number | null;
    /** Beyond this age the backend says it cannot page (HEALTH_MAX_BACKLOG_AGE). */
    max_backlog_age_s: number;
  };
  /** Every registered channel and the provider that sends it (`log` means pages are only written to the log). */
  channels: Record<string, string>;
  /** Why the backend cannot page, one sentence each; empty when healthy. */
  problems: string[];
  uptime_s: number;
  version: string;
}

export interface HealthSources {
  db: Database;
  version: string;
  worker: () => WorkerState;
  channels: () => Record<string, string>;
  maxBacklogAgeMs: number;
}

/**
 * Health that tells the truth: 200 only when this backend can page — PostgreSQL answers, the job runner is
 * running (if it was started) and the oldest due job has waited less than the bound. Unauthenticated, for
 * supervisors, probes and operators; it names no tenant, person or address.
 */
export function healthRouter({ db, version, worker, channels, maxBacklogAgeMs }: HealthSources): Router {
  const router = Router();
  const startedAt = performance.now();
  router.get('/health', async (_req, res) => {
    const started = process.hrtime.bigint();
    const dbUp = await db.one('SELECT 1 AS ok').then(() => true, () => false);
    const dbLatencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    const backlog: JobBacklog | null = dbUp ? await jobBacklog(db).catch(() => null) : null;
    const workerState = worker();
    const maxAgeS = maxBacklogAgeMs / 1000;

    const problems: string[] = [];
    if (!dbUp) problems.push('PostgreSQL does not answer: alerts cannot be stored nor pages sent');
    else if (!backlog) problems.push('the job queue (graphile_worker) cannot be read: is the database migrated?');
    if (workerState === 'stopped') problems.push('the job runner has stopped: no page, retry or escalation will be sent');
    if (backlog && backlog.oldestDueAgeSeconds > maxAgeS) {
      problems.push(`the oldest due job has waited ${Math.round(backlog.oldestDueAgeSeconds)} s (HEALTH_MAX_BACKLOG_AGE: ${maxAgeS} s): pages are late`);
    }
    const body: HealthBody = {
      status: problems.length === 0 ? 'healthy' : 'unhealthy',
      db: dbUp ? 'up' : 'down',
      db_latency_ms: dbLatencyMs,
      jobs: {
        worker: workerState,
        depth: backlog?.depth ?? null,
        oldest_due_age_s: backlog ? Math.round(backlog.oldestDueAgeSeconds * 1000) / 1000 : null,
        max_backlog_age_s: maxAgeS,
      },
      channels: channels(),
      problems,
      uptime_s: Math.round((performance.now() - startedAt) / 1000),
      version,
    };
    res.status(problems.length === 0 ? 200 : 503).json(body);
  });
  return router;
}
