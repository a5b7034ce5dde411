import type { WebClient } from '@slack/web-api';
import type { Logger } from '@klaxon/logger';
import type { DirectMessenger } from '../channels/direct-messenger';
import { NotifyError } from '../channels/notify-error';
import { classifySlackError } from './slack-channel-poster';
import { createSlackWebClient } from './web-client';

/**
 * A Slack direct message from the bot: conversations.open gives the person's IM channel (the same one every
 * time; it needs the `im:write` scope), chat.postMessage writes there. Every failure becomes a classified
 * NotifyError; a missing scope or a revoked token is logged as the setup problem it is.
 */
export class SlackDirectMessenger implements DirectMessenger {
  private readonly client: WebClient;

  constructor(private readonly options: { botToken: string; apiUrl?: string | undefined; logger: Logger }) {
    this.client = createSlackWebClient({ botToken: options.botToken, apiUrl: options.apiUrl });
  }

  async sendDirect(userId: string, text: string): Promise<void> {
    try {
      const opened = await this.client.conversations.open({ users: userId });
      const channel = opened.channel?.id;
      if (!channel) throw new Error('conversations.open answered without a channel');
      await this.client.chat.postMessage({ channel, text });
    } catch (error) {
      const failure = classifySlackError(error);
      const fields = { provider: 'slack', slackUserId: userId, errorCode: failure.code, kind: failure.kind, detail: failure.detail };
      if (failure.alarm) this.options.logger.error('SLACK SETUP BROKEN: direct messages cannot be sent until an operator fixes it (is im:write granted?)', fields);
      else this.options.logger.warn('slack direct message not sent', fields);
      throw new NotifyError(failure, { cause: error });
    }
  }
}
