import { currentContext, type RequestContext } from '@klaxon/logger';
import type { Queryable } from '../db/database';

/** The tasks the notification worker runs; payloads are small and JSON. */
export interface JobPayloads {
  deliver: { deliveryId: string };
  escalate: { alertId: string; round: number };
  'slack-message': { alertId: string };
  /** Sends the alert's queued PagerDuty events (integrations/pagerduty). */
  'pagerduty-event': { alertId: string };
}
export type TaskName = keyof JobPayloads;
/** Tasks an integration brings: createBackend registers their handlers with the worker. */
export type IntegrationTaskName = 'pagerduty-event';

/**
 * Every job carries the context it was created in (the request id of the page that caused it, its alert and
 * tenant), and runs in it again: the log lines of a job can be found by the request that made it.
 */
interface WithJobContext {
  context?: RequestContext;
}

/** The context a job runs in: the one it was created in, and its alert when the payload names one. */
export function jobContextOf(payload: unknown): RequestContext {
  const { context, alertId } = (payload ?? {}) as WithJobContext & { alertId?: unknown };
  return { ...context, ...(typeof alertId === 'string' ? { alertId } : {}) };
}

function currentJobContext(): WithJobContext {
  const { requestId, tenantId, alertId } = currentContext() ?? {};
  const context = Object.fromEntries(Object.entries({ requestId, tenantId, alertId }).filter(([, value]) => value !== undefined));
  return Object.keys(context).length > 0 ? { context } : {};
}

/**
 * Queues a graphile-worker job inside the caller's transaction, so it exists only if the transaction
 * commits (an alert and its jobs appear together or not at all). `t.one`: add_job returns a row.
 */
export async function addJob<T extends TaskName>(
  t: Queryable,
  task: T,
  payload: JobPayloads[T],
  options: { runAt?: Date; jobKey?: string; maxAttempts?: number; queueName?: string } = {},
): Promise<void> {
  await t.one(
    `SELECT id FROM graphile_worker.add_job($(task), $(payload)::json, queue_name => $(queueName), run_at => $(runAt), job_key => $(jobKey), max_attempts => $(maxAttempts))`,
    {
      task,
      payload: JSON.stringify({ ...payload, ...currentJobContext() }),
      queueName: options.queueName ?? null,
      runAt: options.runAt ?? null,
      jobKey: options.jobKey ?? null,
      maxAttempts: options.maxAttempts ?? 5,
    },
  );
}

/** Cancels a waiting or delayed job by key (a running one finishes; tasks re-check state themselves). */
export async function removeJob(t: Queryable, jobKey: string): Promise<void> {
  // `select * from`: selecting `(remove_job(..)).*` would call the function once per column.
  await t.any('SELECT * FROM graphile_worker.remove_job($1)', [jobKey]);
}

export const escalationJobKey = (alertId: string): string => `escalate:${alertId}`;
export const deliveryJobKey = (deliveryId: string): string => `deliver:${deliveryId}`;
