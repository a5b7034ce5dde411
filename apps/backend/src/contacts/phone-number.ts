import { type CountryCode, isSupportedCountry, parsePhoneNumberWithError, validatePhoneNumberLength } from 'libphonenumber-js/max';

export type NormalizedPhone = { ok: true; e164: string } | { ok: false; reason: string };

// Full metadata ("max"): we page people, so a number that merely has a plausible length is not enough.
const LETTERS = /[A-Za-z]/;

/**
 * Turns what a person typed (or wrote in their Slack profile) into E.164. A failure carries a sentence
 * that names the number and what is wrong, because it is shown to the person who has to fix it.
 */
export function normalizePhone(raw: string, defaultRegion: string): NormalizedPhone {
  const text = raw.trim();
  const quoted = JSON.stringify(text);
  if (text === '') return { ok: false, reason: 'no phone number was given' };
  // Vanity letters and extensions cannot be dialled by Twilio; silently dropping them would page the wrong line.
  if (LETTERS.test(text)) return { ok: false, reason: `${quoted} contains letters: write the number with digits only, e.g. +1 415 555 0101` };
  const region = isSupportedCountry(defaultRegion) ? (defaultRegion as CountryCode) : undefined;

  const lengthProblem = validatePhoneNumberLength(text, region);
  if (lengthProblem) return { ok: false, reason: describe(quoted, lengthProblem) };
  try {
    const parsed = parsePhoneNumberWithError(text, region);
    if (!parsed.isValid()) return { ok: false, reason: `${quoted} is not a valid number` };
    return { ok: true, e164: parsed.number };
  } catch (error) {
    return { ok: false, reason: describe(quoted, (error as { message?: unknown }).message) };
  }
}

function describe(quoted: string, problem: unknown): string {
  switch (problem) {
    case 'TOO_SHORT':
      return `${quoted} is too short to be a phone number`;
    case 'TOO_LONG':
      return `${quoted} is too long to be a phone number`;
    case 'INVALID_COUNTRY':
      return `${quoted} has no known country code: write it with + and the country code, e.g. +44 20 7946 0958`;
    case 'NOT_A_NUMBER':
      return `${quoted} is not a phone number`;
    default:
      return `${quoted} is not a valid number`;
  }
}
