import { pageText } from '../channels/page-text';
import { callbackUrls, offersReplies, type ChannelTraits, type OutboundMessage, type SendResult, type TextMessage } from '../channels/channel';
import { TwilioChannel } from './twilio.channel';

/** SMS: a written page to a phone, after WhatsApp (registered after it, and its fallback). */
export const SMS = { channel: 'sms', label: 'SMS', role: 'message', address: 'phone' } as const satisfies ChannelTraits;

/** SMS through Twilio's Messages API: the fallback that reaches any mobile phone. */
export class TwilioSmsChannel extends TwilioChannel {
  protected readonly traits = SMS;
  readonly capabilities = { statusCallbacks: true, replies: true };
  protected readonly senderVariable = 'TWILIO_SMS_FROM';

  protected async create(message: OutboundMessage, from: string): Promise<string> {
    const statusCallback = callbackUrls(message)?.status;
    return (await this.options.client.messages.create({ to: message.to, from, body: pageText(message.alert, { replies: offersReplies(this, message) }), ...(statusCallback ? { statusCallback } : {}) })).sid;
  }

  /** A verification code: the body only, never logged (the log line names the number, masked). */
  async sendText(message: TextMessage): Promise<SendResult> {
    return this.attempt('text', this.fieldsFor(message.to), async (from) => (await this.options.client.messages.create({ to: message.to, from, body: message.text })).sid);
  }
}
