import type { NotifyConfig } from '@klaxon/config';
import type { Channel } from '@klaxon/contracts';
import type { Alert, AlertTarget, NewAlert } from '../alerts/alert';
import type { AlertAction } from '../alerts/alert-state';
import type { AlertHooks } from '../alerts/alert.service';
import type { Queryable } from '../db/database';
import { insertDeliveries, type NewDelivery } from './delivery.repository';
import { addJob, deliveryJobKey, escalationJobKey, removeJob } from './job-queue';
import { escalates, initialChannels } from './notification-policy';

// Both the job key and the queue name: one named queue per alert runs its message jobs one at a time, so
// the post finishes (and its ts is stored) before an update starts and a fast acknowledgement cannot
// produce a second post; the key lets a newer state replace a job still waiting.
const slackMessageKey = (alertId: string): string => `slack-message:${alertId}`;

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
    await queueDeliveries(t, phoneDeliveries(alert, 0, (target) => target.channels.filter((channel) => channel !== 'slack')));
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
  await addJob(t, 'slack-message', { alertId: alert.id }, { jobKey: slackMessageKey(alert.id), queueName: slackMessageKey(alert.id), maxAttempts: 8 });
}

/** One delivery per channel of every target that is being paged and has a phone. */
export function phoneDeliveries(alert: Alert, round: number, channelsOf: (target: AlertTarget) => readonly Channel[]): NewDelivery[] {
  return alert.targets.flatMap((target) =>
    target.status === 'paging' && target.phone
      ? channelsOf(target).map((channel) => ({ alertId: alert.id, tenantId: alert.tenantId, channel, slackUserId: target.slackUserId, address: target.phone!, round }))
      : [],
  );
}

/** Stores deliveries and queues one job each, in the caller's transaction. */
export async function queueDeliveries(t: Queryable, planned: readonly NewDelivery[]): Promise<number> {
  const deliveries = await insertDeliveries(t, planned);
  for (const delivery of deliveries) await addJob(t, 'deliver', { deliveryId: delivery.id }, { jobKey: deliveryJobKey(delivery.id) });
  return deliveries.length;
}
