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
      payload: JSON.stringify(payload),
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
