import { redactString } from '@klaxon/logger';
import { type FailureKind, type NotifyFailure, type ProviderErrorMeaning, fieldsOf, messageOf, networkFailure } from '../channels/notify-error';

/**
 * SMTP reply codes (RFC 5321 §4.2.3, RFC 4954 for AUTH) that a relay answers when Klaxon sends one message.
 * 4yz is transient and 5yz permanent by definition; 503 is the exception nodemailer also makes (a session in the
 * wrong state, not a refused message). Codes not listed fall back to their class.
 */
export const SMTP_REPLIES: Readonly<Record<number, ProviderErrorMeaning>> = {
  421: { kind: 'transient', meaning: 'service not available, the server is closing the connection' },
  450: { kind: 'transient', meaning: 'mailbox unavailable for now (busy, or greylisting)' },
  451: { kind: 'transient', meaning: 'local error in processing at the server (often greylisting)' },
  452: { kind: 'transient', meaning: 'insufficient storage at the server, or too many recipients for now' },
  454: { kind: 'transient', meaning: 'temporary authentication failure at the server' },
  503: { kind: 'transient', meaning: 'bad sequence of commands; a new connection may succeed' },
  530: { kind: 'permanent', alarm: true, meaning: 'authentication required: SMTP_URL has no user and password, or the relay needs TLS first' },
  534: { kind: 'permanent', alarm: true, meaning: 'authentication mechanism too weak for this relay (it may need TLS: smtps://, or ?requireTLS=true)' },
  535: { kind: 'permanent', alarm: true, meaning: 'authentication failed: the user or password in SMTP_URL is wrong' },
  538: { kind: 'permanent', alarm: true, meaning: 'the relay requires encryption for authentication (use smtps:// or ?requireTLS=true)' },
  550: { kind: 'permanent', meaning: 'mailbox unavailable: the address does not exist or does not take mail from this sender' },
  551: { kind: 'permanent', meaning: 'user not local: the relay will not forward to this address' },
  552: { kind: 'permanent', meaning: 'the mailbox is full, or the message exceeds its size limit' },
  553: { kind: 'permanent', meaning: 'mailbox name not allowed (the address is malformed or refused by policy)' },
  554: { kind: 'permanent', meaning: 'transaction failed (the relay refused the message, often by spam or policy rules)' },
  555: { kind: 'permanent', meaning: 'MAIL FROM or RCPT TO parameters not recognised by the relay' },
};

/** Nodemailer's own codes for failures that carry no SMTP reply. */
const NODEMAILER_CODES: Readonly<Record<string, ProviderErrorMeaning>> = {
  ECONNECTION: { kind: 'transient', meaning: 'the connection to the SMTP relay closed unexpectedly' },
  ETIMEDOUT: { kind: 'transient', meaning: 'the SMTP relay did not answer in time (connection, greeting or command)' },
  ESOCKET: { kind: 'transient', meaning: 'could not reach the SMTP relay' },
  EDNS: { kind: 'transient', meaning: "could not resolve the SMTP relay's host name" },
  EPROTOCOL: { kind: 'transient', meaning: 'the SMTP relay sent an answer that is not SMTP' },
  EABORT: { kind: 'transient', meaning: 'sending was aborted' },
  ETLS: { kind: 'permanent', alarm: true, meaning: 'TLS with the SMTP relay failed (certificate, or STARTTLS not offered while required)' },
  EREQUIRETLS: { kind: 'permanent', alarm: true, meaning: 'the SMTP relay does not support REQUIRETLS' },
  EAUTH: { kind: 'permanent', alarm: true, meaning: 'authentication with the SMTP relay failed: check the user and password in SMTP_URL' },
  ENOAUTH: { kind: 'permanent', alarm: true, meaning: 'the SMTP relay needs credentials: put user:password in SMTP_URL' },
  ECONFIG: { kind: 'permanent', alarm: true, meaning: 'the SMTP transport is misconfigured (SMTP_URL)' },
  EENVELOPE: { kind: 'permanent', meaning: 'the sender or recipient address was refused before sending' },
};

/**
 * Classifies anything nodemailer's SMTP transport throws: a reply from the relay (`responseCode`, `response`,
 * `command`) or a failure to talk to it (`code` such as ESOCKET, ETIMEDOUT). `code` is the reply code
 * (`"550"`) or nodemailer's code; `status` is null, as no HTTP answer exists. Addresses in the detail are masked.
 */
export function classifySmtpError(error: unknown): NotifyFailure {
  const fields = fieldsOf(error);
  const reply = typeof fields.responseCode === 'number' ? fields.responseCode : null;
  const command = typeof fields.command === 'string' ? fields.command : null;
  const detail = (summary: string) => `${summary} (${redactString(messageOf(error))})`;

  if (reply !== null && reply >= 400) {
    const known = SMTP_REPLIES[reply];
    const kind: FailureKind = known?.kind ?? (reply >= 500 && reply !== 503 ? 'permanent' : 'transient');
    // A refusal of MAIL FROM is a refusal of EMAIL_FROM (not a verified sender of this relay): no page can go out.
    const senderRefused = kind === 'permanent' && command !== null && /^MAIL\b/i.test(command);
    const meaning = senderRefused ? `the relay refused the sender EMAIL_FROM: ${known?.meaning ?? 'permanent error'}` : known?.meaning ?? (kind === 'permanent' ? 'permanent error' : 'temporary error');
    return { kind, code: String(reply), status: null, detail: detail(`SMTP ${reply}${command ? ` at ${command}` : ''}: ${meaning}`), alarm: (known?.alarm ?? false) || senderRefused };
  }

  const code = typeof fields.code === 'string' ? fields.code : null;
  const known = code === null ? undefined : NODEMAILER_CODES[code];
  if (known) return { kind: known.kind, code, status: null, detail: detail(`SMTP ${code}: ${known.meaning}`), alarm: known.alarm ?? false };

  const network = networkFailure(error);
  if (network) return { ...network, detail: redactString(network.detail) };
  // Neither an answer nor a known failure: retrying a bounded number of times costs less than a missed page.
  return { kind: 'transient', code, status: null, detail: detail('unexpected SMTP error'), alarm: false };
}
