import nodemailer from 'nodemailer';
import type { SMTPSentMessageInfo, Transporter } from 'nodemailer';
import type { BackendConfig, EmailConfig } from '@klaxon/config';
import { maskEmail, type Logger } from '@klaxon/logger';
import { NotifyError, type NotifyFailure } from '../channels/notify-error';
import { pageEmail } from './page-email';
import { classifySmtpError } from './smtp-errors';
import type { ChannelCapabilities, ChannelSender, ChannelTraits, OutboundMessage, SendResult } from '../channels/channel';
import { LogChannel } from '../channels/log.channel';
import type { ChannelRegistration } from '../channels/channel-registry';

/** What the channel sends through: nodemailer's SMTP transport (a fake-free test gives it a real one). */
export type SmtpTransport = Transporter<SMTPSentMessageInfo>;

// Long enough for a relay that greylists or does slow DNS checks, short enough that a hung relay is retried by the
// job runner well inside the delivery lease.
export const SMTP_TIMEOUT_MS = 10_000;

export type EmailChannelOptions = { from: string; logger: Logger } & ({ transport: SmtpTransport } | { smtpUrl: string; timeoutMs?: number });

// One address, nothing that could add a recipient (`,` `;`) or a header (line breaks).
const SINGLE_ADDRESS = /^[^\s@<>,;"()[\]\\]+@[^\s@<>,;"()[\]\\]+\.[^\s@<>,;"()[\]\\]+$/;

/**
 * A transport that opens one connection per message, every wait bounded: connecting (DNS included), the
 * greeting, and each command. Nodemailer logs nothing (its logger stays off), so no address or password leaks there.
 */
export function createSmtpTransport({ smtpUrl, timeoutMs = SMTP_TIMEOUT_MS }: { smtpUrl: string; timeoutMs?: number }): SmtpTransport {
  return nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    // Pages carry no attachments; nothing in a message may make the backend read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/** Email: the policy's `mail`, for whoever gave an address and opted in. */
export const EMAIL = { channel: 'email', label: 'email', role: 'mail', address: 'email' } as const satisfies ChannelTraits;

/** Email pages through an SMTP relay (SMTP_URL), from EMAIL_FROM. The Message-ID is the provider's id. */
export class EmailChannel implements ChannelSender {
  readonly channel = EMAIL.channel;
  readonly label = EMAIL.label;
  readonly role = EMAIL.role;
  readonly provider = 'smtp';
  readonly address = EMAIL.address;
  // An answer to a page email goes to EMAIL_FROM's mailbox, which Klaxon does not read.
  readonly capabilities: ChannelCapabilities = { statusCallbacks: false, replies: false };
  private readonly transport: SmtpTransport;
  private readonly from: string;
  private readonly logger: Logger;

  constructor(options: EmailChannelOptions) {
    this.transport = 'transport' in options ? options.transport : createSmtpTransport(options);
    this.from = options.from;
    this.logger = options.logger;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (!SINGLE_ADDRESS.test(message.to)) {
      throw this.failed(message, { kind: 'permanent', code: 'invalid_address', status: null, detail: 'the email address is not a single valid address', alarm: false }, undefined);
    }
    const { subject, text, html } = pageEmail(message);
    // Monotonic: a duration, not an instant (the wall clock may step while the server answers).
    const started = performance.now();
    let info: SMTPSentMessageInfo;
    try {
      info = await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject,
        text,
        html,
        // High importance for the pages that call too; RFC 3834: an automatic message, no auto-replies please.
        priority: message.alert.severity === 'critical' || message.alert.severity === 'high' ? 'high' : 'normal',
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Klaxon-Alert': String(message.alert.number) },
      });
    } catch (error) {
      throw this.failed(message, classifySmtpError(error), error);
    }
    const providerMessageId = info.messageId;
    this.logger.info('page sent', { provider: this.provider, channel: this.channel, to: maskEmail(message.to), alertId: message.alert.id, providerMessageId, durationMs: Math.round(performance.now() - started) });
    return { providerMessageId };
  }

  private failed(message: OutboundMessage, failure: NotifyFailure, cause: unknown): NotifyError {
    const fields = { provider: this.provider, channel: this.channel, to: maskEmail(message.to), alertId: message.alert.id, errorCode: failure.code, kind: failure.kind, detail: failure.detail };
    // An alarm means every email page is failing, not one address: it must stand out in the log.
    if (failure.alarm) this.logger.error('SMTP SETUP BROKEN: email pages cannot be sent until an operator fixes SMTP_URL or EMAIL_FROM', fields);
    else this.logger.warn('page not sent', fields);
    return new NotifyError(failure, { cause });
  }
}

/** The email channel for this configuration: SMTP when SMTP_URL is set, otherwise the log channel (one line per page). */
export function createEmailChannel(email: EmailConfig | null, logger: Logger): ChannelSender {
  if (!email) return new LogChannel({ ...EMAIL, logger, render: (message) => pageEmail(message).subject });
  return new EmailChannel({ smtpUrl: email.smtpUrl, from: email.from, logger });
}

/** The email channel as the registry takes it: SMTP when configured, else the log channel in its place. */
export function emailChannels({ email }: Pick<BackendConfig, 'email'>, logger: Logger): ChannelRegistration {
  return { senders: [createEmailChannel(email, logger)] };
}
