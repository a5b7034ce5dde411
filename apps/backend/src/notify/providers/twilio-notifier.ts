import twilio from 'twilio';
import type { Twilio } from 'twilio';
import { maskPhone, type Logger } from '@klaxon/logger';
import { NotifyError, type NotifyFailure } from '../notify-error';
import { pageSpeech, pageTemplateVariables, pageText, TWILIO_LIMITS } from '../page-text';
import { classifyTwilioError } from '../twilio-errors';
import type { PageMessage, PhoneChannel, PhoneNotifier } from './notifier';

export interface TwilioSenders {
  whatsappFrom?: string | undefined;
  smsFrom?: string | undefined;
  voiceFrom?: string | undefined;
}

export interface TwilioNotifierOptions {
  client: Twilio;
  senders: TwilioSenders;
  /** Approved WhatsApp template; unset → a free-form body (only delivered inside the 24-hour session window). */
  whatsappContentSid?: string | undefined;
  logger: Logger;
}

const SENDER_VARIABLES: Record<PhoneChannel, string> = {
  whatsapp: 'TWILIO_WHATSAPP_FROM',
  sms: 'TWILIO_SMS_FROM',
  voice: 'TWILIO_VOICE_FROM',
};

/** WhatsApp and SMS through the Messages API, voice through the Calls API with inline TwiML. */
export class TwilioNotifier implements PhoneNotifier {
  readonly name = 'twilio';
  private readonly client: Twilio;
  private readonly senders: TwilioSenders;
  private readonly whatsappContentSid: string | undefined;
  private readonly logger: Logger;

  constructor({ client, senders, whatsappContentSid, logger }: TwilioNotifierOptions) {
    this.client = client;
    this.senders = senders;
    this.whatsappContentSid = whatsappContentSid;
    this.logger = logger;
  }

  async send(page: PageMessage): Promise<{ providerId: string }> {
    const from = this.senderFor(page.channel);
    const started = Date.now();
    try {
      const providerId = await this.create(page, from);
      this.logger.info('page sent', { provider: this.name, channel: page.channel, to: maskPhone(page.to), alertId: page.alert.id, providerMessageId: providerId, durationMs: Date.now() - started });
      return { providerId };
    } catch (error) {
      throw this.failed(page, classifyTwilioError(error), error);
    }
  }

  private async create(page: PageMessage, from: string): Promise<string> {
    switch (page.channel) {
      case 'whatsapp': {
        const to = `whatsapp:${page.to}`;
        const content = this.whatsappContentSid
          ? { contentSid: this.whatsappContentSid, contentVariables: JSON.stringify(pageTemplateVariables(page.alert)) }
          : { body: pageText(page.alert) };
        return (await this.client.messages.create({ to, from: whatsappAddress(from), ...content })).sid;
      }
      case 'sms':
        return (await this.client.messages.create({ to: page.to, from, body: pageText(page.alert) })).sid;
      case 'voice':
        return (await this.client.calls.create({ to: page.to, from, twiml: voiceTwiml(page) })).sid;
      default:
        return assertNever(page.channel);
    }
  }

  private senderFor(channel: PhoneChannel): string {
    const from = { whatsapp: this.senders.whatsappFrom, sms: this.senders.smsFrom, voice: this.senders.voiceFrom }[channel];
    if (from) return from;
    const failure: NotifyFailure = {
      kind: 'permanent',
      code: 'sender_not_configured',
      status: null,
      detail: `${SENDER_VARIABLES[channel]} is not set, so Klaxon cannot send ${channel} pages`,
      alarm: true,
    };
    this.logger.error('page not sent: sender not configured', { provider: this.name, channel, errorCode: failure.code, detail: failure.detail });
    throw new NotifyError(failure);
  }

  private failed(page: PageMessage, failure: NotifyFailure, cause: unknown): NotifyError {
    const fields = { provider: this.name, channel: page.channel, to: maskPhone(page.to), alertId: page.alert.id, errorCode: failure.code, status: failure.status, kind: failure.kind, detail: failure.detail };
    // An alarm means every page is failing, not one number: it must stand out in the log.
    if (failure.alarm) this.logger.error('TWILIO SETUP BROKEN: pages cannot be sent until an operator fixes it', fields);
    else this.logger.warn('page not sent', fields);
    return new NotifyError(failure, { cause });
  }
}

/**
 * Says the alert twice with a pause, within Twilio's limit on inline TwiML. The limit is on the document as
 * sent, after the SDK's XML escaping (`&` becomes `&amp;`, five units for one), so the document itself is
 * measured: the longest message that fits is found by bisection. The number and how to acknowledge are
 * always said.
 */
export function voiceTwiml(page: PageMessage): string {
  const twimlFor = (budget: number) => sayTwice(pageSpeech(page.alert, budget));
  const whole = twimlFor(page.alert.message.length);
  if (whole.length <= TWILIO_LIMITS.twiml) return whole;
  let fits = 0;
  let tooLong = page.alert.message.length;
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (twimlFor(middle).length <= TWILIO_LIMITS.twiml) fits = middle;
    else tooLong = middle;
  }
  return twimlFor(fits);
}

function sayTwice(speech: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(speech);
  response.pause({ length: 1 });
  response.say(speech);
  return response.toString();
}

// TWILIO_WHATSAPP_FROM is documented as `whatsapp:+1…`; a bare number is accepted too.
function whatsappAddress(from: string): string {
  return from.startsWith('whatsapp:') ? from : `whatsapp:${from}`;
}

function assertNever(value: never): never {
  throw new Error(`unexpected channel ${String(value)}`);
}
