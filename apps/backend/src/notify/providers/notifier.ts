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

/** Posts to a Slack channel (reminders, escalation notices). Failures are NotifyErrors. */
export interface ChannelPoster {
  post(channelId: string, text: string, threadTs?: string): Promise<{ ts: string }>;
}
