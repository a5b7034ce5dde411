/** A Slack message: `text` is the notification fallback, `blocks` the layout (Block Kit). */
export interface ChannelMessage {
  text: string;
  blocks?: unknown[];
}

/** Posts to a Slack channel (the alert message, reminders, thread notices). Failures are NotifyErrors. */
export interface ChannelPoster {
  post(channelId: string, message: string | ChannelMessage, threadTs?: string): Promise<{ ts: string }>;
  /** Rewrites a message this app posted (chat.update). */
  update(channelId: string, ts: string, message: ChannelMessage): Promise<void>;
}
