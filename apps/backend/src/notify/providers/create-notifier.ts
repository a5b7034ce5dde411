import { TWILIO_TIMEOUT_MS, type BackendConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import { LogNotifier } from './log-notifier';
import type { PhoneNotifier } from './notifier';
import { createTwilioClient } from './twilio-client';
import { TwilioNotifier } from './twilio-notifier';

/** Twilio when credentials are configured; otherwise the log notifier, so development never pages anyone. */
export function createPhoneNotifier(config: Pick<BackendConfig, 'twilio'>, logger: Logger): PhoneNotifier {
  const twilio = config.twilio;
  if (!twilio) return new LogNotifier({ logger });
  const client = createTwilioClient({ accountSid: twilio.accountSid, authToken: twilio.authToken, apiBaseUrl: twilio.apiBaseUrl, timeoutMs: TWILIO_TIMEOUT_MS });
  return new TwilioNotifier({
    client,
    senders: { whatsappFrom: twilio.whatsappFrom, smsFrom: twilio.smsFrom, voiceFrom: twilio.voiceFrom },
    whatsappContentSid: twilio.whatsappContentSid,
    logger,
  });
}
