import { Router } from 'express';
import { z } from 'zod';
import { BACKEND_DUTIES, BACKEND_ROLES, type BackendDuty, type BackendRole } from '@klaxon/config';
import type { Database } from '../db/database';
import { jobBacklog, type JobBacklog } from '../jobs/job-backlog.repository';
import { ERRORS, json, PUBLIC, type RouteDoc } from './openapi-kit';

/** `not_started`: this process runs no job runner (role `api`, or a test); main.ts starts it before listening otherwise. */
const WORKER_STATES = ['running', 'stopped', 'not_started'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

/** The body of GET /health (200 and 503 alike). */
const healthBodySchema = z
  .strictObject({
    status: z.enum(['healthy', 'unhealthy']),
    db: z.enum(['up', 'down']),
    db_latency_ms: z.number().min(0),
    role: z.enum(BACKEND_ROLES).describe('BACKEND_ROLE or --role: `api`, `worker` or `all` (docs/scaling.md).'),
    runs: z
      .array(z.enum(BACKEND_DUTIES))
      .describe('What this process does: `api` (HTTP and raises), `jobs` (pages, escalations, Slack posts), `sweeps` (lost deliveries), `handoff-planning`, `heartbeat-checks` (missed heartbeats raise their alerts).'),
    jobs: z
      .strictObject({
        worker: z.enum(WORKER_STATES).describe('`not_started`: this process runs no job runner (role `api`); other processes run the jobs.'),
        depth: z.number().int().min(0).nullable().describe('Jobs waiting or running; null when PostgreSQL did not answer.'),
        oldest_due_age_s: z.number().min(0).nullable().describe('Seconds the oldest due job has waited; null when PostgreSQL did not answer.'),
        max_backlog_age_s: z.number().min(0).describe('HEALTH_MAX_BACKLOG_AGE: beyond it pages are late and the answer is 503.'),
      })
      .describe('The job runner (pages, retries, escalations) and its queue.'),
    channels: z.record(z.string(), z.string()).describe('Every registered channel and the provider that sends it (`twilio`, `smtp`, `slack`; `log`: only written to the log).'),
    problems: z.array(z.string()).describe('Why this backend cannot page, one sentence each; empty when healthy.'),
    uptime_s: z.number().int().min(0),
    version: z.string(),
  });
type HealthBody = z.infer<typeof healthBodySchema>;

export interface HealthSources {
  db: Database;
  version: string;
  role: BackendRole;
  runs: readonly BackendDuty[];
  worker: () => WorkerState;
  channels: () => Record<string, string>;
  maxBacklogAgeMs: number;
}

/**
 * Health that tells the truth: 200 only when this backend can page — PostgreSQL answers, the job runner is
 * running (if it was started) and the oldest due job has waited less than the bound. Unauthenticated, for
 * supervisors, probes and operators; it names no tenant, person or address.
 */
export function healthRouter({ db, version, role, runs, worker, channels, maxBacklogAgeMs }: HealthSources): Router {
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
      role,
      runs: [...runs],
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

export const healthPaths: RouteDoc[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Whether this backend can page',
    description: 'Unauthenticated, for supervisors and probes: 200 only when PostgreSQL answers, the job runner runs (when started) and the oldest due job has waited less than HEALTH_MAX_BACKLOG_AGE.',
    tags: ['operations'],
    security: PUBLIC,
    responses: {
      200: json('Healthy: it can page.', healthBodySchema.extend({ status: z.literal('healthy'), db: z.literal('up'), problems: healthBodySchema.shape.problems.max(0) })),
      422: ERRORS.invalidRequestId,
      503: json(
        'It cannot page: PostgreSQL is unreachable, the job runner stopped, or the backlog is too old (`problems` says which).',
        healthBodySchema.extend({ status: z.literal('unhealthy'), problems: healthBodySchema.shape.problems.min(1) }),
      ),
    },
  },
];
