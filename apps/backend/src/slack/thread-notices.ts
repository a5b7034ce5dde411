import type { Logger } from '@klaxon/logger';
import type { AlertNotices, NoticeAlert } from '../channels/alert-notices';
import { messageOf } from '../channels/notify-error';
import type { ChannelPoster } from '../channels/channel-poster';

/** Notices about an alert's pages: replies in the thread of its channel message, or in the channel before that exists. */
export class SlackThreadNotices implements AlertNotices {
  constructor(private readonly options: { poster: ChannelPoster; logger: Logger }) {}

  async tell(alert: NoticeAlert, text: string): Promise<void> {
    if (!alert.slackChannelId) return;
    await this.options.poster.post(alert.slackChannelId, text, alert.slackMessageTs ?? undefined).catch((error: unknown) => {
      this.options.logger.warn('could not tell the alert thread', { alertId: alert.id, error: messageOf(error) });
    });
  }
}
