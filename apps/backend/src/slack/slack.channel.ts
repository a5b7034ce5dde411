import { channelReminderText } from '../channels/page-text';
import type { ChannelPoster } from '../channels/channel-poster';
import type { ChannelSender, OutboundMessage, SendResult } from '../channels/channel';
import type { ChannelRegistration } from '../channels/channel-registry';

/**
 * The alert's Slack channel, the policy's `room`: the escalation notice ("still not acknowledged, can someone
 * take it?") and low pages. People answer there with the message's buttons, not by replying to the notice.
 */
export class SlackChannel implements ChannelSender {
  readonly channel = 'slack';
  readonly label = 'Slack';
  readonly role = 'room';
  readonly provider = 'slack';
  readonly address = 'slack_channel';
  readonly capabilities = { statusCallbacks: false, replies: false };

  constructor(private readonly poster: ChannelPoster) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    const { ts } = await this.poster.post(message.to, channelReminderText(message.alert, message.now));
    return { providerMessageId: ts };
  }
}

/** The alert's own Slack channel as the registry takes it. */
export function slackChannels(poster: ChannelPoster): ChannelRegistration {
  return { senders: [new SlackChannel(poster)] };
}
