import { pageTemplateVariables, pageText } from '../channels/page-text';
import { callbackUrls, offersReplies, type ChannelTraits, type OutboundMessage, type SendResult, type TextMessage } from '../channels/channel';
import { TwilioChannel, type TwilioChannelOptions } from './twilio.channel';

/** WhatsApp: a written page to a phone, the first the policy tries. */
export const WHATSAPP = { channel: 'whatsapp', label: 'WhatsApp', role: 'message', address: 'phone' } as const satisfies ChannelTraits;

/** WhatsApp through Twilio's Messages API: an approved template when configured, else a free body. */
export class TwilioWhatsAppChannel extends TwilioChannel {
  protected readonly traits = WHATSAPP;
  readonly capabilities = { statusCallbacks: true, replies: true };
  protected readonly senderVariable = 'TWILIO_WHATSAPP_FROM';
  private readonly contentSid: string | undefined;
  private readonly codeContentSid: string | undefined;

  /**
   * `contentSid`: the pages' approved template; `codeContentSid`: an approved authentication template for
   * verification codes. Unset → a free-form body, which WhatsApp delivers only inside the 24-hour session window.
   */
  constructor(options: TwilioChannelOptions & { contentSid?: string | undefined; codeContentSid?: string | undefined }) {
    super(options);
    this.contentSid = options.contentSid;
    this.codeContentSid = options.codeContentSid;
  }

  protected async create(message: OutboundMessage, from: string): Promise<string> {
    const statusCallback = callbackUrls(message)?.status;
    const content = this.contentSid
      ? { contentSid: this.contentSid, contentVariables: JSON.stringify(pageTemplateVariables(message.alert)) }
      : { body: pageText(message.alert, { replies: offersReplies(this, message) }) };
    return (await this.options.client.messages.create({ to: `whatsapp:${message.to}`, from: whatsappAddress(from), ...content, ...(statusCallback ? { statusCallback } : {}) })).sid;
  }

  /**
   * A verification code: through the authentication template when one is configured (`{{1}}` the code), else as
   * a free-form body, which WhatsApp delivers only inside the 24-hour session window (why SMS is asked first).
   */
  async sendText(message: TextMessage): Promise<SendResult> {
    const content =
      this.codeContentSid && message.code !== undefined ? { contentSid: this.codeContentSid, contentVariables: JSON.stringify({ 1: message.code }) } : { body: message.text };
    return this.attempt('text', this.fieldsFor(message.to), async (from) => (await this.options.client.messages.create({ to: `whatsapp:${message.to}`, from: whatsappAddress(from), ...content })).sid);
  }
}

// TWILIO_WHATSAPP_FROM is documented as `whatsapp:+1…`; a bare number is accepted too.
function whatsappAddress(from: string): string {
  return from.startsWith('whatsapp:') ? from : `whatsapp:${from}`;
}

/**
 * Who sent an inbound message, as Twilio names them: `whatsapp:+1…` for WhatsApp, the bare number for SMS.
 * The address is what deliveries store; the channel says which one the person replied on.
 */
export function inboundSender(from: string): { address: string; channel: 'whatsapp' | 'sms' } {
  return from.startsWith('whatsapp:') ? { address: from.slice('whatsapp:'.length), channel: 'whatsapp' } : { address: from, channel: 'sms' };
}
