import type { Channel } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import { appendAlertEvent, lastEscalatedRound } from '../alerts/alert-event.repository';
import { findAlertById, findAlertForShare } from '../alerts/alert.repository';
import type { Alert } from '../alerts/alert';
import type { Clock } from '../time/clock';
import type { Database } from '../db/database';
import type { AlertNotices } from '../channels/alert-notices';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { DeliveryPlanner } from './delivery-planner';
import type { NewDelivery } from './delivery.repository';
import { addJob, escalationJobKey } from '../jobs/job-queue';
import { takeWaitingJob } from '../jobs/keyed-jobs.repository';
import { acceptedChannels, escalationStep, type EscalationStep } from './notification-policy';
import type { PolicyEscalation } from './policy-escalation';

export interface EscalationServiceOptions {
  db: Database;
  registry: ChannelRegistry;
  planner: DeliveryPlanner;
  notices: AlertNotices;
  logger: Logger;
  clock: Clock;
  escalateAfterMs: number;
  escalationRounds: number;
  /** The steps of alerts raised for a service; without it every alert escalates by the severity's rounds. */
  policies?: PolicyEscalation;
}

/**
 * Runs one escalation round of an alert that nobody acknowledged. The alert is read under a share lock,
 * so an acknowledgement racing with the round either lands first (the round does nothing) or waits for
 * the round to commit (its deliveries then see the acknowledgement and cancel themselves). A round pages
 * each person only on channels they accept; a round with nobody to page says so in the channel.
 */
export class EscalationService {
  constructor(private readonly options: EscalationServiceOptions) {}

  async escalate(alertId: string, round: number): Promise<void> {
    const { db, logger, clock, escalateAfterMs, escalationRounds, planner, policies } = this.options;
    // An alert raised for a service escalates through the policy copied onto it: its `round` is the step's.
    const alert = policies ? await findAlertById(db, alertId) : null;
    if (alert?.escalation && policies) return policies.fire({ ...alert, escalation: alert.escalation }, round);
    const outcome = await db.tx('escalate-alert', async (t) => {
      const alert = await findAlertForShare(t, alertId);
      if (!alert || alert.status !== 'triggered') return { skipped: alert?.status ?? 'missing' };
      const step = escalationStep(alert.severity, round, escalationRounds);
      if (!step) return { skipped: 'no step' };
      const planned = this.pages(alert, step, round);
      const nobody = step.roles.length > 0 && planned.length === 0;
      // The round's roles as the channels that play them here (`call` → voice): what the audit trail records.
      const channels = this.channelsOf(step);
      const toChannel = step.tellChannel || nobody ? planner.alertChannelPage(alert, round) : null;
      if (toChannel) planned.push(toChannel);
      const queued = await planner.plan(t, alert.severity, planned);
      // Nobody to page now means nobody in the later rounds either (what people accept is fixed when the
      // alert is raised): the channel is told once, and escalation ends there.
      const more = step.more && !nobody;
      await appendAlertEvent(t, {
        alertId,
        tenantId: alert.tenantId,
        kind: 'escalated',
        actor: 'system',
        data: { round, channels, tell_channel: step.tellChannel, nobody_to_page: nobody, deliveries: queued.length },
      });
      if (more) {
        await addJob(t, 'escalate', { alertId, round: round + 1 }, { runAt: new Date(clock.now().getTime() + escalateAfterMs), jobKey: escalationJobKey(alertId), severity: alert.severity });
      }
      return { round, queued: queued.length, nobody, channels, alert };
    });
    if ('nobody' in outcome && outcome.nobody) {
      const by = outcome.channels.map((channel) => this.options.registry.label(channel)).join(' + ');
      await this.options.notices.tell(outcome.alert, `⚠️ #${outcome.alert.number} is still not acknowledged and escalation round ${round} has nobody to page by ${by}: none of the people paged accepts it (\`/alert prefs\`). Escalation stops here; someone has to take it from the channel.`);
    }
    logger.info('escalation round', { alertId, round, ...('alert' in outcome ? { queued: outcome.queued, nobody: outcome.nobody } : outcome) });
  }

  /**
   * Runs the round after `afterRound` now instead of at its time: a call that was busy, not answered, or
   * answered by a machine, or a person pressing 2. Only the caller that removes the waiting job runs the
   * round, so repeated callbacks and a timer firing at the same moment still run it once; when the job is
   * not waiting for that round (it ran, is running, or there is none) this does nothing.
   */
  async escalateNow(alertId: string, afterRound: number): Promise<boolean> {
    const round = afterRound + 1;
    // graphile-worker's public view has no payload; the round waiting is the one after the last that ran.
    const removed = (await lastEscalatedRound(this.options.db, alertId)) === afterRound && (await takeWaitingJob(this.options.db, escalationJobKey(alertId)));
    if (!removed) {
      this.options.logger.info('early escalation not needed: that round is not waiting', { alertId, round });
      return false;
    }
    await this.escalate(alertId, round);
    return true;
  }

  /** This round's pages: each paged person, on a channel of each of the round's roles they accept and have an address for. */
  private pages(alert: Alert, step: EscalationStep, round: number): NewDelivery[] {
    const { registry, planner } = this.options;
    const byRole = registry.byRole();
    return alert.targets.flatMap((target) => {
      if (target.status !== 'paging') return [];
      const reachable = registry.reaching(target.accepts, target);
      return planner.pagesTo(alert, target, round, { now: acceptedChannels(step.roles, reachable, byRole) });
    });
  }

  /** Every registered channel that plays one of the step's roles, in registration order. */
  private channelsOf(step: EscalationStep): Channel[] {
    const byRole = this.options.registry.byRole();
    return step.roles.flatMap((role) => byRole[role] ?? []);
  }
}
