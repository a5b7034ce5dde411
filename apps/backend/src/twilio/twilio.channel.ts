import type { Twilio } from 'twilio';
import type { Channel } from '@klaxon/contracts';
import { maskPhone, type Logger } from '@klaxon/logger';
import { NotifyError, type NotifyFailure } from '../channels/notify-error';
import { classifyTwilioError } from './twilio-errors';
import type { ChannelCapabilities, ChannelRole, ChannelSender, ChannelTraits, OutboundMessage, SendResult } from '../channels/channel';

export interface TwilioChannelOptions {
  client: Twilio;
  /** The sender of this channel (`TWILIO_*_FROM`); unset → every send fails permanently with an alarm. */
  from: string | undefined;
  logger: Logger;
}

/**
 * What the three Twilio channels share: a sender that must be configured, one create request per page,
 * errors classified by Twilio's code table, and log lines that never hold a full number.
 */
export abstract class TwilioChannel implements ChannelSender {
  /** What this channel is to the rest of Klaxon; the log channel standing in for it declares the same traits. */
  protected abstract readonly traits: ChannelTraits & { address: 'phone' };
  abstract readonly capabilities: ChannelCapabilities;
  readonly provider = 'twilio';
  /** The variable that configures this channel's sender, named in the alarm when it is missing. */
  protected abstract readonly senderVariable: string;

  constructor(protected readonly options: TwilioChannelOptions) {}

  get channel(): Channel {
    return this.traits.channel;
  }

  get label(): string {
    return this.traits.label;
  }

  get role(): ChannelRole {
    return this.traits.role;
  }

  get address(): 'phone' {
    return this.traits.address;
  }

  /** False when this channel's sender variable is unset: every send would fail (see `sender`). */
  get configured(): boolean {
    return Boolean(this.options.from);
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    return this.attempt('page', { ...this.fieldsFor(message.to), alertId: message.alert.id }, (from) => this.create(message, from));
  }

  /** One create request at Twilio, logged as `<what> sent` or classified and logged as a failure. */
  protected async attempt(what: string, fields: Record<string, unknown>, create: (from: string) => Promise<string>): Promise<SendResult> {
    const from = this.sender();
    // Monotonic: a duration, not an instant (the wall clock may step while Twilio answers).
    const started = performance.now();
    try {
      const providerMessageId = await create(from);
      this.options.logger.info(`${what} sent`, { ...fields, providerMessageId, durationMs: Math.round(performance.now() - started) });
      return { providerMessageId };
    } catch (error) {
      throw this.failed(what, fields, classifyTwilioError(error), error);
    }
  }

  /** Creates the message or call at Twilio and returns its SID. */
  protected abstract create(message: OutboundMessage, from: string): Promise<string>;

  private sender(): string {
    if (this.options.from) return this.options.from;
    const failure: NotifyFailure = {
      kind: 'permanent',
      code: 'sender_not_configured',
      status: null,
      detail: `${this.senderVariable} is not set, so Klaxon cannot send ${this.channel} pages`,
      alarm: true,
    };
    this.options.logger.error('page not sent: sender not configured', { provider: this.provider, channel: this.channel, errorCode: failure.code, detail: failure.detail });
    throw new NotifyError(failure);
  }

  private failed(what: string, sent: Record<string, unknown>, failure: NotifyFailure, cause: unknown): NotifyError {
    const fields = { ...sent, errorCode: failure.code, status: failure.status, kind: failure.kind, detail: failure.detail };
    // An alarm means every page is failing, not one number: it must stand out in the log.
    if (failure.alarm) this.options.logger.error('TWILIO SETUP BROKEN: pages cannot be sent until an operator fixes it', fields);
    else this.options.logger.warn(`${what} not sent`, fields);
    return new NotifyError(failure, { cause });
  }

  protected fieldsFor(to: string): Record<string, unknown> {
    return { provider: this.provider, channel: this.channel, to: maskPhone(to) };
  }
}
