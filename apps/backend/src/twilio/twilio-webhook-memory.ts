import { twilioWebhookKey, type TwilioWebhookKind } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import { realSleep, type Clock, type Sleep } from '../time/clock';
import type { Database } from '../db/database';
import { AppError, ValidationError } from '../common/errors';
import { answerWebhook, claimWebhook, findWebhook, forgetOldWebhooks, releaseWebhook } from './twilio-webhook.repository';

/** How long status callbacks and keypresses are remembered; inbound messages are kept (see the migration). */
export const WEBHOOK_MEMORY_DAYS = 30;

export interface TwilioWebhookMemoryOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** How long a copy waits for the answer of one being processed; under the gateway's forward timeout. */
  waitMs?: number;
  /** A claim never answered for this long belonged to a backend that died: the next copy processes it. */
  staleAfterMs?: number;
  pollMs?: number;
  /** The pause between two looks at the first copy's answer; the wait is measured by the clock. */
  sleep?: Sleep;
}

/** A copy of a webhook another request is processing right now, whose answer did not come in time. */
export class WebhookInProgressError extends AppError {
  constructor(key: string) {
    super('in_progress', 409, `Twilio webhook ${key} is being processed by another request; send it again to get its answer`);
  }
}

/**
 * Processed Twilio webhooks, remembered in PostgreSQL (all backends share it). Twilio signs no timestamp, so
 * a signed request can be sent again at any time: a repeat gets the first answer and its work does not run.
 */
export class TwilioWebhookMemory {
  private readonly waitMs: number;
  private readonly staleAfterMs: number;
  private readonly pollMs: number;
  private readonly sleep: Sleep;

  constructor(private readonly options: TwilioWebhookMemoryOptions) {
    this.waitMs = options.waitMs ?? 2_000;
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.pollMs = options.pollMs ?? 25;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Runs `work` for the first copy of this webhook and remembers its answer; any other copy gets that answer,
   * waiting for it while the first is processed. A webhook without a SID cannot be told apart from its
   * copies and is refused.
   */
  async once(kind: TwilioWebhookKind, fields: Readonly<Record<string, string>>, work: () => Promise<string | null>): Promise<string | null> {
    const key = twilioWebhookKey(kind, fields);
    if (key === null) throw new ValidationError(`${kind === 'inbound' ? 'MessageSid' : 'CallSid or MessageSid'}: Twilio's SID of the ${kind === 'inbound' ? 'message' : 'message or call'} is required`);
    const { db, clock, logger } = this.options;
    const giveUpAt = clock.now().getTime() + this.waitMs;
    for (;;) {
      if (await claimWebhook(db, { key, kind, receivedAt: clock.now() }, this.staleAfterMs)) return this.process(key, work);
      const seen = await findWebhook(db, key);
      if (seen?.answered) {
        logger.info('twilio webhook repeated: answered as the first time, nothing done', { key });
        return seen.answer;
      }
      // Being processed (or released after a failure, and claimable again on the next turn).
      if (clock.now().getTime() >= giveUpAt) throw new WebhookInProgressError(key);
      await this.sleep(this.pollMs);
    }
  }

  /** Forgets what is older than the retention (status callbacks and keypresses only); returns how many. */
  forgetOld(): Promise<number> {
    return forgetOldWebhooks(this.options.db, new Date(this.options.clock.now().getTime() - WEBHOOK_MEMORY_DAYS * 86_400_000));
  }

  private async process(key: string, work: () => Promise<string | null>): Promise<string | null> {
    let answer: string | null;
    try {
      answer = await work();
    } catch (error) {
      await releaseWebhook(this.options.db, key).catch((release: unknown) => this.options.logger.warn('could not release a failed twilio webhook claim', { key, error: release }));
      throw error;
    }
    await answerWebhook(this.options.db, key, answer);
    return answer;
  }
}
