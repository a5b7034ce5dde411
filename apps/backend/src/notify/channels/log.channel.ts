import { randomUUID } from 'node:crypto';
import type { Channel } from '@klaxon/contracts';
import { maskPhone, type Logger } from '@klaxon/logger';
import type { AddressKind, ChannelSender, OutboundMessage, SendResult } from './channel';

/** Stands in for a channel that has no provider configured (development): the message is logged, never sent. */
export class LogChannel implements ChannelSender {
  readonly provider = 'log';
  readonly channel: Channel;
  readonly address: AddressKind;
  readonly capabilities = { statusCallbacks: false, replies: false, templates: false };
  private readonly logger: Logger;
  private readonly render: (message: OutboundMessage) => string;

  constructor({ channel, address, logger, render }: { channel: Channel; address: AddressKind; logger: Logger; render: (message: OutboundMessage) => string }) {
    this.channel = channel;
    this.address = address;
    this.logger = logger;
    this.render = render;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const providerMessageId = `log-${randomUUID()}`;
    // warn: in an environment that was meant to page for real, this line is the clue that nobody was reached.
    this.logger.warn(`would send ${this.channel} to ${maskPhone(message.to)}: ${this.render(message)}`, {
      provider: this.provider,
      channel: this.channel,
      alertId: message.alert.id,
      alertNumber: message.alert.number,
      providerMessageId,
    });
    return { providerMessageId };
  }
}
