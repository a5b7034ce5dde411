import type { Logger } from '@klaxon/logger';
import { appendAlertEvent } from '../alerts/alert-event.repository';
import { findAlertForShare } from '../alerts/alert.repository';
import type { Database } from '../db/database';
import type { NewDelivery } from './delivery.repository';
import { addJob, escalationJobKey } from './job-queue';
import { escalationStep } from './notification-policy';
import { phoneDeliveries, queueDeliveries } from './paging-scheduler';

export interface EscalationWorkerOptions {
  db: Database;
  logger: Logger;
  escalateAfterMs: number;
  escalationRounds: number;
}

/**
 * Runs one escalation round of an alert that nobody acknowledged. The alert is read under a share lock,
 * so an acknowledgement racing with the round either lands first (the round does nothing) or waits for
 * the round to commit (its deliveries then see the acknowledgement and cancel themselves).
 */
export class EscalationWorker {
  constructor(private readonly options: EscalationWorkerOptions) {}

  async escalate(alertId: string, round: number): Promise<void> {
    const { db, logger, escalateAfterMs, escalationRounds } = this.options;
    const outcome = await db.tx('escalate-alert', async (t) => {
      const alert = await findAlertForShare(t, alertId);
      if (!alert || alert.status !== 'triggered') return { skipped: alert?.status ?? 'missing' };
      const step = escalationStep(alert.severity, round, escalationRounds);
      if (!step) return { skipped: 'no step' };
      const planned: NewDelivery[] = step.call ? phoneDeliveries(alert, round, () => ['voice']) : [];
      if (step.tellChannel && alert.slackChannelId) {
        planned.push({ alertId, tenantId: alert.tenantId, channel: 'slack', slackUserId: null, address: alert.slackChannelId, round });
      }
      const queued = await queueDeliveries(t, planned);
      await appendAlertEvent(t, { alertId, tenantId: alert.tenantId, kind: 'escalated', actor: 'system', data: { round, calls: step.call, tell_channel: step.tellChannel, deliveries: queued } });
      if (step.more) {
        await addJob(t, 'escalate', { alertId, round: round + 1 }, { runAt: new Date(Date.now() + escalateAfterMs), jobKey: escalationJobKey(alertId) });
      }
      return { round, queued };
    });
    logger.info('escalation round', { alertId, round, ...outcome });
  }
}
