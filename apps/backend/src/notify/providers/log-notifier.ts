import { randomUUID } from 'node:crypto';
import { maskPhone, type Logger } from '@klaxon/logger';
import { pageSpeech, pageText } from '../page-text';
import type { PageMessage, PhoneNotifier } from './notifier';

/** Stands in when Twilio has no credentials (development): the page is written to the log, never sent. */
export class LogNotifier implements PhoneNotifier {
  readonly name = 'log';
  private readonly logger: Logger;

  constructor({ logger }: { logger: Logger }) {
    this.logger = logger;
  }

  async send(page: PageMessage): Promise<{ providerId: string }> {
    const providerId = `log-${randomUUID()}`;
    const text = page.channel === 'voice' ? pageSpeech(page.alert) : pageText(page.alert);
    // warn: in an environment that was meant to page for real, this line is the clue that nobody was reached.
    this.logger.warn(`would send ${page.channel} to ${maskPhone(page.to)}: ${text}`, {
      provider: this.name,
      channel: page.channel,
      alertId: page.alert.id,
      alertNumber: page.alert.number,
      providerMessageId: providerId,
    });
    return { providerId };
  }
}
