const SECRET_KEY = /(token|secret|password|passwd|authorization|signature|api[-_]?key|service[-_]?key|^key$|^keys$|cookie)/i;
// E.164-like: a plus and 7 to 15 digits, also inside `whatsapp:+…` addresses and sentences.
const PHONE = /\+[1-9]\d{6,14}\b/g;
// Credentials inside connection strings: postgres://user:password@host. The scheme is bounded and the password
// stops where a URL's authority ends (`/?#`), so text that only looks like URLs is scanned in linear time.
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]{0,31}:\/\/[^:/@\s]+:)([^@\s/?#]+)(@)/gi;
// An email address inside text. Every part is bounded (RFC 5321: 64-character local part, 63-character labels),
// so a long run of dots and letters cannot make the scan quadratic. The top-level domain must be letters:
// `nodemailer@10.6.1` and `postgres@127.0.0.1` are not addresses.
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
// Message-IDs (`<uuid@example.com>`) look like addresses but name a message, not a person: they stay whole.
const MESSAGE_ID_KEY = /messageid$/i;

/** `+14155550123` → `+1******0123`: enough to tell numbers apart in an incident, not to dial one. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return '+***';
  return `+${digits[0]}${'*'.repeat(digits.length - 5)}${digits.slice(-4)}`;
}

/** `jane.doe@example.com` → `j***@example.com`: the domain tells a colleague from an outsider, the person stays unnamed. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** Masks phone numbers and email addresses and hides URL passwords in free text. */
export function redactString(value: string): string {
  return maskEmails(redactKeepingEmails(value));
}

function redactKeepingEmails(value: string): string {
  return value.replace(PHONE, (match) => maskPhone(match)).replace(URL_PASSWORD, '$1***$3');
}

// After URL_PASSWORD: `smtp://user:***@smtp.example.com` has no address left in it (`*` cannot end a local part).
function maskEmails(value: string): string {
  return value.includes('@') ? value.replace(EMAIL, (match) => maskEmail(match)) : value;
}

/** Deep copy with secrets replaced and phone numbers and email addresses masked; safe for any log field. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (isErrorLike(value)) {
    return { name: value.name, message: redactString(value.message), code: value.code };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (SECRET_KEY.test(key) && item !== undefined && item !== null) out[key] = '[redacted]';
    else if (MESSAGE_ID_KEY.test(key) && typeof item === 'string') out[key] = redactKeepingEmails(item);
    else out[key] = redact(item, depth + 1);
  }
  return out;
}

// Errors made by Node core can come from another realm (jest's sandbox), where `instanceof Error` is false.
function isErrorLike(value: object): value is { name: string; message: string; code?: unknown } {
  return value instanceof Error || (typeof (value as Error).message === 'string' && typeof (value as Error).stack === 'string');
}
