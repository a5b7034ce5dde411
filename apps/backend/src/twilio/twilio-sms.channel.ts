import { pageText } from '../channels/page-text';
import { callbackUrls, type OutboundMessage, type SendResult, type TextMessage } from '../channels/channel';
import { TwilioChannel } from './twilio.channel';

/** SMS through Twilio's Messages API: the fallback that reaches any mobile phone. */
export class TwilioSmsChannel extends TwilioChannel {
  readonly channel = 'sms' as const;
  readonly capabilities = { statusCallbacks: true, replies: true, templates: false };
  protected readonly senderVariable = 'TWILIO_SMS_FROM';

  protected async create(message: OutboundMessage, from: string): Promise<string> {
    const statusCallback = callbackUrls(message)?.status;
    return (await this.options.client.messages.create({ to: message.to, from, body: pageText(message.alert, { replies: Boolean(statusCallback) }), ...(statusCallback ? { statusCallback } : {}) })).sid;
  }

  /** A verification code: the body only, never logged (the log line names the number, masked). */
  async sendText(message: TextMessage): Promise<SendResult> {
    return this.attempt('text', this.fieldsFor(message.to), async (from) => (await this.options.client.messages.create({ to: message.to, from, body: message.text })).sid);
  }
}
