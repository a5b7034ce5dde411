import { redactString } from '@klaxon/logger';

/** `transient`: worth retrying (network, 5xx, rate limits); `permanent`: retrying cannot help. */
export type FailureKind = 'transient' | 'permanent';

export interface NotifyFailure {
  kind: FailureKind;
  /** The provider's code (`21211`, `channel_not_found`) or a network code (`ECONNRESET`); null when none was given. */
  code: string | null;
  /** HTTP status of the provider's answer; null when there was no answer. */
  status: number | null;
  /** A sentence for the deliveries table and the log. */
  detail: string;
  /** Klaxon's own setup is broken (credentials, sender): every page of this kind fails until an operator acts. */
  alarm: boolean;
}

/** What one provider error code means, in a provider's table (Twilio codes, SMTP replies). */
export interface ProviderErrorMeaning {
  kind: FailureKind;
  meaning: string;
  /** Klaxon's own setup for this provider is wrong: every page of its kind fails until an operator fixes it. */
  alarm?: boolean;
}

/** The one error every notifier and poster throws; the job runner retries `transient` ones only. */
export class NotifyError extends Error implements NotifyFailure {
  readonly kind: FailureKind;
  readonly code: string | null;
  readonly status: number | null;
  readonly detail: string;
  readonly alarm: boolean;

  constructor(failure: NotifyFailure, options?: { cause?: unknown }) {
    super(failure.detail, options);
    this.name = 'NotifyError';
    this.kind = failure.kind;
    this.code = failure.code;
    this.status = failure.status;
    this.detail = failure.detail;
    this.alarm = failure.alarm;
  }
}

// Socket-level failures mean no answer (or no usable one) arrived: the request may be retried.
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE',
  'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET',
]);
const NETWORK_MESSAGES = /socket hang up|timeout|timed out|network error|ECONN|ETIMEDOUT/i;

/** A failure without any answer from the provider, recognised by duck typing (errors may come from another realm). */
export function networkFailure(error: unknown): NotifyFailure | null {
  const { code, message } = fieldsOf(error);
  const networkCode = typeof code === 'string' && NETWORK_CODES.has(code) ? code : null;
  if (!networkCode && !(typeof message === 'string' && NETWORK_MESSAGES.test(message))) return null;
  return { kind: 'transient', code: networkCode, status: null, detail: `network error: ${messageOf(error)}`, alarm: false };
}

export function fieldsOf(error: unknown): Record<string, unknown> {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
}

/**
 * An error's message with phone numbers masked. Provider texts name the number ("The 'To' number
 * +14155550101 is not a valid phone number."), and every failure detail built from them is stored,
 * served by the API and posted to Slack; full numbers belong only in the contacts table and the request.
 */
export function messageOf(error: unknown): string {
  const { message } = fieldsOf(error);
  return redactString(typeof message === 'string' && message !== '' ? message : String(error));
}

/** What a send that threw means for the delivery: a NotifyError says so itself. */
export function failureOf(error: unknown): NotifyFailure {
  if (error instanceof NotifyError) return error;
  // A bug or an unforeseen error: retried like a transient one, because a lost page costs more than an extra try.
  return { kind: 'transient', code: null, status: null, detail: `unexpected error: ${messageOf(error)}`, alarm: false };
}
