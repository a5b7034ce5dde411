const SECRET_KEY = /(token|secret|password|passwd|authorization|signature|api[-_]?key|service[-_]?key|^key$|^keys$|cookie)/i;
// E.164-like: a plus and 7 to 15 digits, also inside `whatsapp:+…` addresses and sentences.
const PHONE = /\+[1-9]\d{6,14}\b/g;
// Credentials inside connection strings: postgres://user:password@host.
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s]+)(@)/gi;

/** `+14155550123` → `+1******0123`: enough to tell numbers apart in an incident, not to dial one. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return '+***';
  return `+${digits[0]}${'*'.repeat(digits.length - 5)}${digits.slice(-4)}`;
}

/** `jane@example.com` → `j***@example.com`: the domain tells addresses apart, the name stays private. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 1 ? '***' : `${email[0]}***${email.slice(at)}`;
}

export function redactString(value: string): string {
  return value.replace(PHONE, (match) => maskPhone(match)).replace(URL_PASSWORD, '$1***$3');
}

/** Deep copy with secrets replaced and phone numbers masked; safe for any log field. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (isErrorLike(value)) {
    return { name: value.name, message: redactString(value.message), code: value.code };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null ? '[redacted]' : redact(item, depth + 1);
  }
  return out;
}

// Errors made by Node core can come from another realm (jest's sandbox), where `instanceof Error` is false.
function isErrorLike(value: object): value is { name: string; message: string; code?: unknown } {
  return value instanceof Error || (typeof (value as Error).message === 'string' && typeof (value as Error).stack === 'string');
}
