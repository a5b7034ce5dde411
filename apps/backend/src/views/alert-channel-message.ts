import type { Logger } from '@klaxon/logger';
import type { Clock } from '../time/clock';
import { findAlertById, setSlackMessageTs } from '../alerts/alert.repository';
import type { Database } from '../db/database';
import { toAlertDto } from './alert-view';
import { reportedDeliveries } from '../notify/delivery-receipt.repository';
import { NotifyError } from '../channels/notify-error';
import type { ChannelPoster } from '../channels/channel-poster';
import { buildAlertMessage } from '../slack/alert-message';

/**
 * Keeps an alert's channel message true: posts it the first time, then rewrites it (chat.update) with the
 * current status, whoever changed it — a button, `/alert ack`, the API, or an escalation.
 */
export class AlertMessageWorker {
  /** `channelLabels`: how the registered channels read, for the line that says how each person is paged. */
  constructor(private readonly options: { db: Database; poster: ChannelPoster; logger: Logger; clock: Clock; channelLabels: Record<string, string> }) {}

  async publish(alertId: string): Promise<void> {
    const { db, poster, logger } = this.options;
    const alert = await findAlertById(db, alertId);
    if (!alert?.slackChannelId) return;
    const reported = (await reportedDeliveries(db, [alert.id])).get(alert.id);
    const message = buildAlertMessage(toAlertDto(alert, this.options.channelLabels, reported), this.options.clock.now());
    try {
      if (alert.slackMessageTs) {
        await poster.update(alert.slackChannelId, alert.slackMessageTs, message);
      } else {
        const { ts } = await poster.post(alert.slackChannelId, message);
        await setSlackMessageTs(db, alert.id, ts);
      }
    } catch (error) {
      // Transient: thrown, so the job runner tries again. Permanent (bot not in channel…): logged, dropped.
      if (error instanceof NotifyError && error.kind === 'permanent') {
        logger.warn('alert channel message not published', { alertId, channelId: alert.slackChannelId, code: error.code, detail: error.detail });
        return;
      }
      throw error;
    }
  }
}
