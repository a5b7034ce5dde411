const SECRET_KEY = /(token|secret|password|passwd|authorization|signature|api[-_]?key|service[-_]?key|^key$|^keys$|cookie)/i;
// Phone numbers as people and providers write them. Each spelling is anchored on what makes a number a
// number (a leading plus or its stand-ins, a bracketed area code, a leading trunk zero, three groups shaped
// 3-3-4, or the field it is in) so timestamps, UUIDs, IPs, ports, durations, status and error codes and Slack
// ts values stay readable. Any of them may end in an extension (`x123`, `ext. 7`), masked with the number.
const EXTENSION = String.raw`(?:[ ]?(?:[xX]|[eE]xt\.?)[ ]?\d{1,6})`;
// The plus as written, URL-encoded (`%2B`, in a logged query string or form body), or as the international
// prefix most of the world dials (`00`).
const INTERNATIONAL = String.raw`(?:\+|%2[Bb]|(?<![\w.+:-])00(?=[1-9]))`;
const PHONE_SPELLINGS: readonly string[] = [
  // The prefix and 7-15 digits: together (`+14155550123`, `whatsapp:+1…`, `00442079460958`), or in groups
  // split by one space, dot or dash, with an optional bracketed group (`+44 20 7946 0958`, `+1 (415) 555-0101`,
  // `0044 20 7946 0958`). The run written together is tried first so `+14155550123 503` keeps its status code.
  String.raw`${INTERNATIONAL}[1-9]\d{6,14}${EXTENSION}?(?!\w)|${INTERNATIONAL}[1-9]\d{0,5}(?:[ .-]?\(\d{1,5}\)|[ .-]\d{1,8})+${EXTENSION}?(?!\w)`,
  // North American 10-digit spellings: `(415) 555-0101`, `(415)5550101`, `415.555.0101`, `415-555-0101`, `415 555 0101`.
  String.raw`(?<![\w.+:-])(?:\(\d{3}\)[ .-]?\d{3}[ .-]?|\d{3}(?<nanp>[ .-])\d{3}\k<nanp>)\d{4}${EXTENSION}?(?!\w|[.:-]\d)`,
  // National numbers with a trunk zero, in groups: `020 7946 0958`, `07911 123456`, `030-1234-5678`.
  String.raw`(?<![\w.+:-])0\d{2,4}(?<trunk>[ -])\d{3,6}(?:\k<trunk>\d{3,4})?${EXTENSION}?(?!\w|[.:-]\d)`,
  // Twilio's WaId: a WhatsApp user's number without its plus, as a form field or in JSON (`"WaId":"1415…"`).
  String.raw`(?<=\b[Ww]a_?[Ii]d["']?[ ]?[:=][ ]?["']?)(?<waId>[1-9]\d{6,14})(?!\w)`,
];
// One pass over the text, so a masked number is never read again as part of another.
const PHONE = new RegExp(PHONE_SPELLINGS.join('|'), 'g');
const EXTENSION_AT_END = new RegExp(`${EXTENSION}$`);
// Twilio's WaId as a field of its own (inbound WhatsApp parameters): digits alone, which no spelling above takes.
const WA_ID_KEY = /^wa_?id$/i;
const PHONE_DIGITS = { min: 7, max: 15 };
// Credentials inside connection strings: postgres://user:password@host. The scheme is bounded and the password
// stops where a URL's authority ends (`/?#`), so text that only looks like URLs is scanned in linear time.
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]{0,31}:\/\/[^:/@\s]+:)([^@\s/?#]+)(@)/gi;
// An email address inside text. Every part is bounded (RFC 5321: 64-character local part, 63-character labels),
// so a long run of dots and letters cannot make the scan quadratic. The top-level domain must be letters:
// `nodemailer@10.6.1` and `postgres@127.0.0.1` are not addresses.
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
// Message-IDs (`<uuid@example.com>`) look like addresses but name a message, not a person: they stay whole.
const MESSAGE_ID_KEY = /messageid$/i;

// E.164 country calling codes are one to three digits and prefix-free: these are all the one- and two-digit
// ones; every other code has three. Enough to keep the country visible without a phone number library.
const CALLING_CODES_1 = new Set(['1', '7']);
const CALLING_CODES_2 = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(' '),
);

/** The country calling code at the start of an international number's digits. */
function callingCodeOf(digits: string): string {
  if (CALLING_CODES_1.has(digits.slice(0, 1))) return digits.slice(0, 1);
  if (CALLING_CODES_2.has(digits.slice(0, 2))) return digits.slice(0, 2);
  return digits.slice(0, 3);
}

/**
 * `+14155550123` → `+1 ******0123`, `+442079460958` → `+44 ******0958`: the country and the last four digits,
 * enough to tell numbers apart in an incident, not to dial one. A national number (no plus) has no country to
 * show: `020 7946 0958` → `*******0958`.
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return '+***';
  const international = phone.trimStart().startsWith('+');
  const country = international ? callingCodeOf(digits) : '';
  const hidden = digits.length - country.length - 4;
  // Too short to hide anything after the country code: show less rather than the whole number.
  if (hidden < 2) return `+${digits[0]}${'*'.repeat(digits.length - 5)}${digits.slice(-4)}`;
  return `${international ? `+${country} ` : ''}${'*'.repeat(hidden)}${digits.slice(-4)}`;
}

/** `jane.doe@example.com` → `j***@example.com`: the domain tells a colleague from an outsider, the person stays unnamed. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/**
 * Masks every phone number (see PHONE_SPELLINGS) and email address in free text and hides the password of
 * connection strings. Used for log lines and for any provider text Klaxon stores or shows.
 */
export function redactString(value: string): string {
  return maskEmails(redactKeepingEmails(value));
}

function redactKeepingEmails(value: string): string {
  return maskPhoneNumbers(value).replace(URL_PASSWORD, '$1***$3');
}

function maskPhoneNumbers(text: string): string {
  return text.replace(PHONE, (match: string, ...rest: unknown[]) => {
    const { waId } = rest.at(-1) as { waId?: string };
    const number = match.replace(EXTENSION_AT_END, '');
    const written = waId !== undefined ? `+${number}` : number.replace(/^(?:%2[Bb]|00)/, '+');
    const digits = written.replace(/\D/g, '').length;
    if (digits < PHONE_DIGITS.min || digits > PHONE_DIGITS.max) return match;
    // An extension says nothing without its number, but its digits are the person's desk: hidden too.
    return number.length < match.length ? `${maskPhone(written)} x***` : maskPhone(written);
  });
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
    else if (WA_ID_KEY.test(key) && typeof item === 'string' && /^[1-9]\d{6,14}$/.test(item)) out[key] = maskPhone(`+${item}`);
    else out[key] = redact(item, depth + 1);
  }
  return out;
}

// Errors made by Node core can come from another realm (jest's sandbox), where `instanceof Error` is false.
function isErrorLike(value: object): value is { name: string; message: string; code?: unknown } {
  return value instanceof Error || (typeof (value as Error).message === 'string' && typeof (value as Error).stack === 'string');
}
