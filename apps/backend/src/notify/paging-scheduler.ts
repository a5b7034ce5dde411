import type { NotifyConfig } from '@klaxon/config';
import type { Alert, NewAlert } from '../alerts/alert';
import type { AlertTarget } from '../contacts/target';
import type { AlertAction } from '../alerts/alert-state';
import type { AlertHooks } from '../alerts/alert.service';
import type { IdentifiedAlert } from '../alerts/alert.repository';
import type { RaiseBatch } from '../alerts/raise-batch';
import type { Clock } from '../time/clock';
import type { Queryable } from '../db/database';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { DeliveryPlanner } from './delivery-planner';
import type { NewDelivery } from './delivery.repository';
import { escalationJobKey, jobSpec, removeJobs } from '../jobs/job-queue';
import { refreshSlackMessages, slackMessageJob } from './alert-message.jobs';
import { escalates, planPage, type PagePlan } from './notification-policy';

export interface PagingSchedulerOptions {
  policy: Pick<NotifyConfig, 'escalateAfterMs' | 'escalationRounds'>;
  registry: ChannelRegistry;
  planner: DeliveryPlanner;
  clock: Clock;
}

/**
 * Turns alert changes into durable work, inside the alert's own transaction: the first page's deliveries
 * (now, or held until a contact's quiet hours end), the first escalation, and the Slack channel message.
 * An acknowledgement or resolution cancels the pending escalation and held pages, and refreshes the message.
 */
export class PagingScheduler implements AlertHooks {
  constructor(private readonly options: PagingSchedulerOptions) {}

  planTargets(alert: NewAlert): AlertTarget[] {
    const now = this.options.clock.now();
    return alert.targets.map((target) => {
      if (target.status !== 'paging') return target;
      const plan = this.plan(alert, target, now);
      const channels = [...plan.now, ...plan.later.map((later) => later.channel)];
      // The policy holds all of a person's first page or none of it, until one instant (their quiet hours' end).
      if (channels.length > 0) return { ...target, channels, heldUntil: plan.later[0]?.at ?? null };
      const alertChannel = this.options.registry.alertChannel();
      if (alert.severity === 'low' && alert.slackChannelId && alertChannel) return { ...target, channels: [alertChannel] };
      const reason =
        alert.severity === 'low'
          ? 'a low-severity alert pages only its Slack channel, and this alert has none'
          : `none of the channels they accept (${target.accepts.join(', ') || 'none'}) can carry a ${alert.severity} page to the addresses Klaxon has`;
      return { ...target, status: 'unreachable', channels: [], reason };
    });
  }

  async raised(batch: RaiseBatch, alert: IdentifiedAlert): Promise<void> {
    const now = this.options.clock.now();
    const { planner } = this.options;
    if (alert.silenced) {
      // Its service is in maintenance: the channel sees it recorded; nobody is paged, now or later.
      const message = slackMessageJob(alert);
      if (message) batch.jobs.push(message);
      return;
    }
    // A service's pages carry the round of the step that reached them (step 2 when step 1 found nobody): a keypress 2
    // or a `pass` reply then passes on from that step.
    planner.planRaise(batch, alert.severity, this.firstPages(alert, alert.targets, alert.escalation?.fired.at(-1)?.round ?? 0));
    const next = alert.escalation && 'next' in alert.escalation.end ? alert.escalation.end.next : null;
    if (next) {
      // Raised for a service: its policy's next step, not the severity's rounds.
      batch.jobs.push(jobSpec('escalate', { alertId: alert.id, round: next.round }, { runAt: new Date(now.getTime() + next.afterMs), jobKey: escalationJobKey(alert.id), severity: alert.severity }));
    }
    // An alert recorded without people or channel (one of a storm Alertmanager summarised) has nobody to escalate to.
    const someoneToTell = alert.targets.length > 0 || alert.slackChannelId !== null;
    if (!alert.escalation && someoneToTell && escalates(alert.severity, this.options.policy.escalationRounds)) {
      batch.jobs.push(
        jobSpec('escalate', { alertId: alert.id, round: 1 }, { runAt: new Date(now.getTime() + this.options.policy.escalateAfterMs), jobKey: escalationJobKey(alert.id), severity: alert.severity }),
      );
    }
    const message = slackMessageJob(alert);
    if (message) batch.jobs.push(message);
  }

  async transitioned(t: Queryable, alerts: readonly Alert[], _action: AlertAction): Promise<void> {
    // Acknowledged or resolved: nobody is to be woken again for them.
    await removeJobs(t, alerts.map((alert) => escalationJobKey(alert.id)));
    await this.options.planner.cancelPending(t, alerts);
    await refreshSlackMessages(t, alerts);
  }

  /** The first page of each target still paging (`round` 0 for the raise; a policy step's round when it pages someone new). */
  firstPages(alert: Pick<Alert, 'id' | 'tenantId' | 'severity'>, targets: readonly AlertTarget[], round: number): NewDelivery[] {
    const now = this.options.clock.now();
    return targets.flatMap((target) => (target.status === 'paging' ? this.options.planner.pagesTo(alert, target, round, this.plan(alert, target, now)) : []));
  }

  /** The policy's plan for one target, limited to channels that have an address for them. */
  private plan(alert: Pick<NewAlert, 'severity'>, target: AlertTarget, now: Date): PagePlan {
    const { registry } = this.options;
    const reachable = registry.reaching(target.accepts, target);
    return planPage(alert.severity, { accepts: reachable, quietHours: target.quietHours }, now, registry.byRole());
  }
}
