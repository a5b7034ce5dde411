import type { Alert } from '../alerts/alert';
import type { Queryable } from '../db/database';
import { addJobs, jobSpec, type JobSpec } from '../jobs/job-queue';

// Both the job key and the queue name: one named queue per alert runs its message jobs one at a time, so
// the post finishes (and its ts is stored) before an update starts and a fast acknowledgement cannot
// produce a second post; the key lets a newer state replace a job still waiting.
export const slackMessageKey = (alertId: string): string => `slack-message:${alertId}`;

/** The job that posts (or chat.updates) the alert's channel message showing its current state; none without a channel. */
export function slackMessageJob(alert: Pick<Alert, 'id' | 'slackChannelId' | 'severity'>): JobSpec | null {
  if (!alert.slackChannelId) return null;
  const key = slackMessageKey(alert.id);
  return jobSpec('slack-message', { alertId: alert.id }, { jobKey: key, queueName: key, maxAttempts: 8, severity: alert.severity });
}

/** Queues a post (or chat.update) of the alert's channel message showing its current state. */
export async function refreshSlackMessage(t: Queryable, alert: Alert): Promise<void> {
  await refreshSlackMessages(t, [alert]);
}

/** `refreshSlackMessage` for many alerts, in one add_jobs call. */
export async function refreshSlackMessages(t: Queryable, alerts: readonly Alert[]): Promise<void> {
  await addJobs(t, alerts.flatMap((alert) => slackMessageJob(alert) ?? []));
}
