import { TWILIO_TIMEOUT_MS, type BackendConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import { pageSpeech, pageText } from '../page-text';
import { createTwilioClient } from '../providers/twilio-client';
import type { ChannelPoster } from '../providers/channel-poster';
import type { ChannelSender } from './channel';
import { ChannelRegistry } from './channel-registry';
import { createEmailChannel } from './email.channel';
import { LogChannel } from './log.channel';
import { SlackChannel } from './slack.channel';
import { TwilioSmsChannel } from './twilio-sms.channel';
import { TwilioVoiceChannel } from './twilio-voice.channel';
import { TwilioWhatsAppChannel } from './twilio-whatsapp.channel';

/**
 * The one place that decides which implementation serves each channel: Twilio when it has credentials,
 * SMTP when configured, otherwise the log channel, so development never pages anyone. WhatsApp falls
 * back to SMS (data, not an `if` in the engine).
 */
export function createChannelRegistry({ config, logger, poster }: { config: Pick<BackendConfig, 'twilio' | 'email'>; logger: Logger; poster: ChannelPoster }): ChannelRegistry {
  // A verification code goes by SMS, which reaches any phone; WhatsApp only when no SMS sender is configured.
  return new ChannelRegistry([...phoneChannels(config, logger), createEmailChannel(config.email, logger), new SlackChannel(poster)], { whatsapp: 'sms' }, ['sms', 'whatsapp']);
}

function phoneChannels({ twilio }: Pick<BackendConfig, 'twilio'>, logger: Logger): ChannelSender[] {
  if (!twilio) {
    return [
      new LogChannel({ channel: 'whatsapp', address: 'phone', logger, render: (m) => pageText(m.alert) }),
      new LogChannel({ channel: 'sms', address: 'phone', logger, render: (m) => pageText(m.alert) }),
      new LogChannel({ channel: 'voice', address: 'phone', logger, render: (m) => pageSpeech(m.alert) }),
    ];
  }
  const client = createTwilioClient({ accountSid: twilio.accountSid, authToken: twilio.authToken, apiBaseUrl: twilio.apiBaseUrl, timeoutMs: TWILIO_TIMEOUT_MS });
  return [
    new TwilioWhatsAppChannel({ client, from: twilio.whatsappFrom, contentSid: twilio.whatsappContentSid, codeContentSid: twilio.whatsappCodeContentSid, logger }),
    new TwilioSmsChannel({ client, from: twilio.smsFrom, logger }),
    new TwilioVoiceChannel({ client, from: twilio.voiceFrom, logger }),
  ];
}
