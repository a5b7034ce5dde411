import type { NotifyConfig } from '@klaxon/config';
import type { Alert, AlertTarget, NewAlert } from '../alerts/alert';
import type { AlertAction } from '../alerts/alert-state';
import type { AlertHooks } from '../alerts/alert.service';
import type { Queryable } from '../db/database';
import { insertDeliveries, type NewDelivery } from './delivery.repository';
import { addJob, deliveryJobKey, escalationJobKey, removeJob } from './job-queue';
import { escalates, initialChannels } from './notification-policy';

export const slackMessageJobKey = (alertId: string): string => `slack-message:${alertId}`;
// One named queue per alert runs its message jobs one at a time: the post finishes (and its ts is stored)
// before an update starts, so a fast acknowledgement cannot produce a second post.
const slackMessageQueue = (alertId: string): string => `slack-message:${alertId}`;

/**
 * Turns alert changes into durable work, inside the alert's own transaction: the first page's deliveries
 * and their jobs, the first escalation, and the Slack channel message. An acknowledgement or resolution
 * cancels the pending escalation and refreshes the channel message.
 */
export class PagingScheduler implements AlertHooks {
  constructor(private readonly policy: Pick<NotifyConfig, 'escalateAfterMs' | 'escalationRounds'>) {}

  planTargets(alert: NewAlert): AlertTarget[] {
    return alert.targets.map((target) => {
      if (target.status !== 'paging') return target;
      if (alert.severity === 'low') {
        return alert.slackChannelId
          ? { ...target, channels: ['slack'] }
          : { ...target, status: 'unreachable', channels: [], reason: 'a low-severity alert pages only its Slack channel, and this alert has none' };
      }
      return { ...target, channels: initialChannels(alert.severity, target.channels) };
    });
  }

  async raised(t: Queryable, alert: Alert): Promise<void> {
    const planned: NewDelivery[] = alert.targets.flatMap((target) =>
      target.status === 'paging' && target.phone
        ? target.channels
            .filter((channel) => channel !== 'slack')
            .map((channel) => ({ alertId: alert.id, tenantId: alert.tenantId, channel, slackUserId: target.slackUserId, address: target.phone!, round: 0 }))
        : [],
    );
    await queueDeliveries(t, planned);
    if (escalates(alert.severity, this.policy.escalationRounds)) {
      await addJob(t, 'escalate', { alertId: alert.id, round: 1 }, { runAt: new Date(alert.createdAt.getTime() + this.policy.escalateAfterMs), jobKey: escalationJobKey(alert.id) });
    }
    await refreshSlackMessage(t, alert);
  }

  async transitioned(t: Queryable, alert: Alert, _action: AlertAction): Promise<void> {
    // Acknowledged or resolved: nobody is to be woken again for it.
    await removeJob(t, escalationJobKey(alert.id));
    await refreshSlackMessage(t, alert);
  }
}

/** Queues a post (or chat.update) of the alert's channel message showing its current state. */
export async function refreshSlackMessage(t: Queryable, alert: Alert): Promise<void> {
  if (!alert.slackChannelId) return;
  await addJob(t, 'slack-message', { alertId: alert.id }, { jobKey: slackMessageJobKey(alert.id), queueName: slackMessageQueue(alert.id), maxAttempts: 8 });
}

/** Stores deliveries and queues one job each, in the caller's transaction. */
export async function queueDeliveries(t: Queryable, planned: readonly NewDelivery[]): Promise<number> {
  const deliveries = await insertDeliveries(t, planned);
  for (const delivery of deliveries) await addJob(t, 'deliver', { deliveryId: delivery.id }, { jobKey: deliveryJobKey(delivery.id) });
  return deliveries.length;
}
