import { randomUUID } from 'node:crypto';
import type { Channel } from '@klaxon/contracts';
import { maskEmail, maskPhone, type Logger } from '@klaxon/logger';
import type { AddressKind, ChannelCapabilities, ChannelRole, ChannelSender, ChannelTraits, OutboundMessage, SendResult, TextMessage } from './channel';

/**
 * The traits of the channel this stands in for (its name, label, role and address): the registry, the policy,
 * the deliveries table and the log see that channel.
 */
export interface LogChannelOptions extends ChannelTraits {
  logger: Logger;
  /** The message as one line of text (an SMS body, an email's subject, the words of a call). */
  render: (message: OutboundMessage) => string;
}

const MASKS: Record<AddressKind, (address: string) => string> = {
  phone: maskPhone,
  email: maskEmail,
  // A Slack channel id names a room, not a person.
  slack_channel: (id) => id,
};

/**
 * Stands in for a channel whose provider is not configured (development, or email without SMTP_URL): the message
 * is written to the log, never sent, and the send "succeeds" with a `log-<uuid>` id.
 */
export class LogChannel implements ChannelSender {
  readonly channel: Channel;
  readonly label: string;
  readonly role: ChannelRole;
  readonly provider = 'log';
  readonly address: AddressKind;
  // Nothing comes back from a log line: no statuses, and no reply to invite.
  readonly capabilities: ChannelCapabilities = { statusCallbacks: false, replies: false };
  private readonly logger: Logger;
  private readonly render: (message: OutboundMessage) => string;

  constructor({ channel, label, role, address, logger, render }: LogChannelOptions) {
    this.channel = channel;
    this.label = label;
    this.role = role;
    this.address = address;
    this.logger = logger;
    this.render = render;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    return this.write(message.to, this.render(message), { alertId: message.alert.id, alertNumber: message.alert.number });
  }

  /**
   * A verification code is written here in full: in development this line is the only way to read it, and
   * it is the only line that ever holds it (nothing else logs a code).
   */
  async sendText(message: TextMessage): Promise<SendResult> {
    return this.write(message.to, message.text, {});
  }

  private write(to: string, text: string, fields: Record<string, unknown>): SendResult {
    const providerMessageId = `log-${randomUUID()}`;
    // warn: in an environment that was meant to page for real, this line is the clue that nobody was reached.
    this.logger.warn(`would send ${this.channel} to ${MASKS[this.address](to)}: ${text}`, { provider: this.provider, channel: this.channel, ...fields, providerMessageId });
    return { providerMessageId };
  }
}
