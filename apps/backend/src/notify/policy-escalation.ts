import type { Logger } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import { appendAlertEvents } from '../alerts/alert-event.repository';
import { advanceAlertEscalation, endAlertEscalation } from '../alerts/alert-escalation.repository';
import { appendAlertTargets, findAlertForShare } from '../alerts/alert.repository';
import { escalationEvents } from '../alerts/escalation-events';
import type { AlertNotices } from '../channels/alert-notices';
import type { TargetResolver } from '../contacts/target';
import type { Database } from '../db/database';
import { addJob, escalationJobKey } from '../jobs/job-queue';
import { walkSteps, type FiredStep, type WalkEnd } from '../oncall/policy-run';
import type { ServicePaging } from '../oncall/service-paging';
import type { Clock } from '../time/clock';
import type { DeliveryPlanner } from './delivery-planner';
import type { PagingScheduler } from './paging-scheduler';
import { stepNoticeText, exhaustedNoticeText } from './escalation-notices';
import { refreshSlackMessage } from './alert-message.jobs';

export interface PolicyEscalationOptions {
  db: Database;
  services: ServicePaging;
  targets: TargetResolver;
  paging: Pick<PagingScheduler, 'planTargets' | 'firstPages'>;
  planner: DeliveryPlanner;
  notices: AlertNotices;
  clock: Clock;
  logger: Logger;
}

/**
 * Fires the next step of an alert raised for a service, through the policy copied onto it at the raise. Who is on
 * call is worked out (and Slack asked for profiles) before the transaction; inside it the alert is read under a
 * share lock as today's rounds do, so an acknowledgement racing with the step lands first (the step does
 * nothing) or waits for it. The step is recorded by moving the alert's escalation on from `round` only: a timer
 * and a keypress racing for one step fire it once. The people reached are paged as named targets are.
 */
export class PolicyEscalation {
  constructor(private readonly options: PolicyEscalationOptions) {}

  async fire(alert: Alert & { escalation: NonNullable<Alert['escalation']> }, round: number): Promise<void> {
    const { db, services, targets, paging, planner, clock, logger } = this.options;
    const { run } = alert.escalation;
    if (alert.status !== 'triggered' || alert.escalation.fired !== round) {
      logger.info('escalation step not needed', { alertId: alert.id, round, status: alert.status, fired: alert.escalation.fired });
      return;
    }
    const { fired, end } = await walkSteps(run, round, (step) => services.reach(alert.tenantId, step.targets));
    const last = fired.at(-1) ?? null;
    const people = last?.reach.paged.map((p) => ({ slackUserId: p.person })) ?? [];
    const reached = paging.planTargets({ ...alert, escalation: null, targets: await targets.resolve(alert.tenantId, people) });
    const done = await db.tx('escalation-step', async (t) => {
      const current = await findAlertForShare(t, alert.id);
      if (!current || current.status !== 'triggered') return false;
      const moved = last ? await advanceAlertEscalation(t, alert.id, round, last) : true;
      if (!moved || ('exhausted' in end && !(await endAlertEscalation(t, alert.id, end.exhausted)))) return false;
      const known = new Set(current.targets.map((target) => target.slackUserId));
      await appendAlertTargets(t, alert.id, reached.filter((target) => !known.has(target.slackUserId)));
      const pages = last ? paging.firstPages(current, reached, last.round) : [];
      const reminder = 'exhausted' in end && end.exhausted === 'unacknowledged' ? planner.alertChannelPage(current, round) : null;
      await planner.plan(t, current.severity, reminder ? [...pages, reminder] : pages);
      await appendAlertEvents(t, escalationEvents(current, run, fired, end));
      // The channel message shows the step now standing.
      await refreshSlackMessage(t, current);
      if ('next' in end) {
        await addJob(t, 'escalate', { alertId: alert.id, round: end.next.round }, { runAt: new Date(clock.now().getTime() + end.next.afterMs), jobKey: escalationJobKey(alert.id), severity: current.severity });
      }
      return true;
    });
    if (!done) {
      logger.info('escalation step not needed: handled or fired meanwhile', { alertId: alert.id, round });
      return;
    }
    await this.tell(alert, fired, end);
    logger.info('escalation step', { alertId: alert.id, round, fired: fired.length, paged: people.length, ...('exhausted' in end ? { exhausted: end.exhausted } : {}) });
  }

  /** The alert's thread hears each step fired and how the run ended (the reminder delivery tells an unacknowledged end). */
  private async tell(alert: Alert, fired: readonly FiredStep[], end: WalkEnd): Promise<void> {
    for (const step of fired) await this.options.notices.tell(alert, stepNoticeText(alert, alert.escalation!.run, step));
    if ('exhausted' in end && end.exhausted === 'nobody_on_call') await this.options.notices.tell(alert, exhaustedNoticeText(alert, alert.escalation!.run));
  }
}
