import { type CountryCode, isSupportedCountry, parsePhoneNumberWithError, validatePhoneNumberLength } from 'libphonenumber-js/max';

export type NormalizedPhone = { ok: true; e164: string } | { ok: false; reason: string };

// Full metadata ("max"): we page people, so a number that merely has a plausible length is not enough.
const LETTERS = /[A-Za-z]/;

/**
 * Turns what a person typed (or wrote in their Slack profile) into E.164. A failure says what is wrong
 * without repeating the number: the reason is stored with the alert's targets, shown in Slack and served
 * by the API, where only masked numbers may appear.
 */
export function normalizePhone(raw: string, defaultRegion: string): NormalizedPhone {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'no phone number was given' };
  // Vanity letters and extensions cannot be dialled by Twilio; silently dropping them would page the wrong line.
  if (LETTERS.test(text)) return { ok: false, reason: 'the number contains letters: write it with digits only, e.g. +1 415 555 0101' };
  const region = isSupportedCountry(defaultRegion) ? (defaultRegion as CountryCode) : undefined;

  const digits = text.replace(/\D/g, '').length;
  const lengthProblem = validatePhoneNumberLength(text, region);
  if (lengthProblem) return { ok: false, reason: describe(lengthProblem, digits) };
  try {
    const parsed = parsePhoneNumberWithError(text, region);
    if (!parsed.isValid()) return { ok: false, reason: describe('INVALID', digits) };
    return { ok: true, e164: parsed.number };
  } catch (error) {
    return { ok: false, reason: describe((error as { message?: unknown }).message, digits) };
  }
}

function describe(problem: unknown, digits: number): string {
  switch (problem) {
    case 'TOO_SHORT':
      return `the number is too short to be a phone number (${digits} digits)`;
    case 'TOO_LONG':
      return `the number is too long to be a phone number (${digits} digits)`;
    case 'INVALID_COUNTRY':
      return 'the number has no known country code: write it with + and the country code, e.g. +44 20 7946 0958';
    case 'NOT_A_NUMBER':
      return 'that is not a phone number';
    default:
      return 'the number is not a valid phone number (no such number exists in its country)';
  }
}
