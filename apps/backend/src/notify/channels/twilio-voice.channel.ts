import twilio from 'twilio';
import { pageSpeech, TWILIO_LIMITS } from '../page-text';
import type { MessageAlert, OutboundMessage } from './channel';
import { TwilioChannel } from './twilio.channel';

/** A voice call through Twilio's Calls API with inline TwiML: what wakes people. */
export class TwilioVoiceChannel extends TwilioChannel {
  readonly channel = 'voice' as const;
  readonly capabilities = { statusCallbacks: true, replies: true, templates: false };
  protected readonly senderVariable = 'TWILIO_VOICE_FROM';

  protected async create(message: OutboundMessage, from: string): Promise<string> {
    return (await this.options.client.calls.create({ to: message.to, from, twiml: voiceTwiml(message.alert) })).sid;
  }
}

/**
 * Says the alert twice with a pause, within Twilio's limit on inline TwiML. The limit is on the document as
 * sent, after the SDK's XML escaping (`&` becomes `&amp;`, five units for one), so the document itself is
 * measured: the longest message that fits is found by bisection. The number and how to acknowledge are
 * always said.
 */
export function voiceTwiml(alert: Pick<MessageAlert, 'number' | 'severity' | 'message' | 'inSlack' | 'test'>): string {
  const twimlFor = (budget: number) => sayTwice(pageSpeech(alert, budget));
  const whole = twimlFor(alert.message.length);
  if (whole.length <= TWILIO_LIMITS.twiml) return whole;
  let fits = 0;
  let tooLong = alert.message.length;
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
