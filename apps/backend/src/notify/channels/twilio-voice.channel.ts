import twilio from 'twilio';
import { pageSpeech } from '../page-text';
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

/** Says the alert twice with a pause; the SDK escapes the text for XML. */
export function voiceTwiml(alert: Pick<MessageAlert, 'number' | 'severity' | 'message'>): string {
  const response = new twilio.twiml.VoiceResponse();
  const speech = pageSpeech(alert);
  response.say(speech);
  response.pause({ length: 1 });
  response.say(speech);
  return response.toString();
}
