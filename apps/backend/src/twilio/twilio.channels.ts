import { TWILIO_TIMEOUT_MS, type BackendConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import type { ChannelRegistration } from '../channels/channel-registry';
import { LogChannel } from '../channels/log.channel';
import { pageSpeech, pageText } from '../channels/page-text';
import { createTwilioClient } from './twilio-client';
import { SMS, TwilioSmsChannel } from './twilio-sms.channel';
import { TwilioVoiceChannel, VOICE } from './twilio-voice.channel';
import { TwilioWhatsAppChannel, WHATSAPP } from './twilio-whatsapp.channel';

/**
 * The phone channels: Twilio when it has credentials, otherwise the log channel in their place, so development
 * never pages anyone. WhatsApp comes before SMS (both are a `message`: the policy pages the first registered one
 * a person accepts) and falls back to SMS; a verification code goes by SMS, which reaches any phone, and by
 * WhatsApp only when no SMS sender is configured.
 */
export function twilioChannels({ twilio }: Pick<BackendConfig, 'twilio'>, logger: Logger): ChannelRegistration {
  const fallbacks = { whatsapp: 'sms' } as const;
  const textOrder = ['sms', 'whatsapp'] as const;
  if (!twilio) {
    return {
      senders: [
        new LogChannel({ ...WHATSAPP, logger, render: (m) => pageText(m.alert) }),
        new LogChannel({ ...SMS, logger, render: (m) => pageText(m.alert) }),
        new LogChannel({ ...VOICE, logger, render: (m) => pageSpeech(m.alert) }),
      ],
      fallbacks,
      textOrder,
    };
  }
  const client = createTwilioClient({ accountSid: twilio.accountSid, authToken: twilio.authToken, apiBaseUrl: twilio.apiBaseUrl, timeoutMs: TWILIO_TIMEOUT_MS });
  return {
    senders: [
      new TwilioWhatsAppChannel({ client, from: twilio.whatsappFrom, contentSid: twilio.whatsappContentSid, codeContentSid: twilio.whatsappCodeContentSid, logger }),
      new TwilioSmsChannel({ client, from: twilio.smsFrom, logger }),
      new TwilioVoiceChannel({ client, from: twilio.voiceFrom, logger }),
    ],
    fallbacks,
    textOrder,
  };
}
