import type { Severity } from '@klaxon/contracts';

/** The channels that reach a phone; `slack` reminders go through ChannelPoster. */
export type PhoneChannel = 'whatsapp' | 'sms' | 'voice';

export interface PageMessage {
  channel: PhoneChannel;
  /** E.164. */
  to: string;
  alert: { id: string; number: number; severity: Severity; message: string };
}

/** Sends one page. Every failure is a NotifyError (transient or permanent); success returns the provider's id. */
export interface PhoneNotifier {
  readonly name: string;
  send(page: PageMessage): Promise<{ providerId: string }>;
}

/** A Slack message: `text` is the notification fallback, `blocks` the layout (Block Kit). */
export interface ChannelMessage {
  text: string;
  blocks?: unknown[];
}

/** Posts to a Slack channel (the alert message, reminders, escalation notices). Failures are NotifyErrors. */
export interface ChannelPoster {
  post(channelId: string, message: string | ChannelMessage, threadTs?: string): Promise<{ ts: string }>;
  /** Rewrites a message this app posted (chat.update). */
  update(channelId: string, ts: string, message: ChannelMessage): Promise<void>;
}
