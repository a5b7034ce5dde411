import twilio from 'twilio';
import { pageSpeech, TWILIO_LIMITS } from '../channels/page-text';
import { callbackUrls, offersReplies, type ChannelTraits, type MessageAlert, type OutboundMessage } from '../channels/channel';
import { TwilioChannel } from './twilio.channel';

/** A voice call: the `call` of the policy. */
export const VOICE = { channel: 'voice', label: 'call', role: 'call', address: 'phone' } as const satisfies ChannelTraits;

/** A voice call through Twilio's Calls API with inline TwiML: what wakes people. */
export class TwilioVoiceChannel extends TwilioChannel {
  protected readonly traits = VOICE;
  // The keypress (1 acknowledges, 2 passes on) is the call's reply.
  readonly capabilities = { statusCallbacks: true, replies: true };
  protected readonly senderVariable = 'TWILIO_VOICE_FROM';

  protected async create(message: OutboundMessage, from: string): Promise<string> {
    const urls = callbackUrls(message);
    const callbacks = urls
      ? {
          statusCallback: urls.status,
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          // Asynchronous detection: the call speaks at once, and the verdict (AnsweredBy) arrives on its own
          // callback; a machine is then recorded as such and the next escalation round comes at once.
          machineDetection: 'Enable',
          asyncAmd: 'true',
          asyncAmdStatusCallback: urls.status,
        }
      : {};
    const keypress = offersReplies(this, message) ? urls?.keypress : undefined;
    return (await this.options.client.calls.create({ to: message.to, from, twiml: voiceTwiml(message.alert, keypress), ...callbacks })).sid;
  }
}

/** What the keypress answers: one key, then the call says what it did. */
export const KEYPRESS = { acknowledge: '1', passOn: '2' } as const;

/**
 * Says the alert twice with a pause, within Twilio's limit on inline TwiML. The limit is on the document as
 * sent, after the SDK's XML escaping (`&` becomes `&amp;`, five units for one), so the document itself is
 * measured: the longest message that fits is found by bisection. The number and how to acknowledge are
 * always said.
 */
export function voiceTwiml(alert: Pick<MessageAlert, 'number' | 'severity' | 'message' | 'inSlack' | 'test'>, keypressUrl?: string): string {
  const twimlFor = (budget: number) => sayTwice(pageSpeech(alert, budget, { keypress: keypressUrl !== undefined }), keypressUrl);
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

/** With a keypress URL the words are said inside a one-key <Gather>, so a key pressed while they are said counts. */
function sayTwice(speech: string, keypressUrl: string | undefined): string {
  const response = new twilio.twiml.VoiceResponse();
  const speaker = keypressUrl ? response.gather({ numDigits: 1, action: keypressUrl, method: 'POST', timeout: 5 }) : response;
  speaker.say(speech);
  speaker.pause({ length: 1 });
  speaker.say(speech);
  return response.toString();
}

/** The answer to a keypress (or a reply): a few words, then the call ends. */
export function sayAndHangUp(words: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(words);
  response.hangup();
  return response.toString();
}

/** No message back (Twilio answers STOP itself, and would refuse ours). */
export function emptyReply(): string {
  return new twilio.twiml.MessagingResponse().toString();
}

/** The answer to an inbound SMS or WhatsApp reply: one short message back. */
export function messageReply(text: string): string {
  const response = new twilio.twiml.MessagingResponse();
  response.message(text);
  return response.toString();
}
