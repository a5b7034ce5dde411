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
  // A number without + is read as one of DEFAULT_PHONE_REGION: when it does not fit, that is the likely
  // reason (a UK number typed without +44 in a US workspace), and the person must hear it.
  const context: Context = { digits, national: region !== undefined && !text.startsWith('+') ? region : null, countryCode: null };
  const lengthProblem = validatePhoneNumberLength(text, region);
  if (lengthProblem) return { ok: false, reason: describe(lengthProblem, context) };
  try {
    const parsed = parsePhoneNumberWithError(text, region);
    if (!parsed.isValid()) return { ok: false, reason: describe('INVALID', { ...context, countryCode: parsed.countryCallingCode }) };
    return { ok: true, e164: parsed.number };
  } catch (error) {
    return { ok: false, reason: describe((error as { message?: unknown }).message, context) };
  }
}

interface Context {
  digits: number;
  /** The default region the number was read in, when it was written without +. */
  national: CountryCode | null;
  countryCode: string | null;
}

// Callers follow a reason with advice of their own ("give the number with its country code"), so the reason
// says what is wrong, and why when the default region is the likely cause.
function describe(problem: unknown, { digits, national, countryCode }: Context): string {
  const count = `${digits} digit${digits === 1 ? '' : 's'}`;
  const readAs = ', which is what a number written without + is read as';
  switch (problem) {
    case 'TOO_SHORT':
      return `the number is too short to be a phone number (${count})`;
    case 'TOO_LONG':
      return national ? `the number is too long for a ${national} number (${count})${readAs}` : `the number is too long to be a phone number (${count})`;
    case 'INVALID_COUNTRY':
      // After a +, digits that start no country's code; or no + and no default region to read it in.
      return 'the number has no known country code: write it with + and the country code, e.g. +44 20 7946 0958';
    case 'NOT_A_NUMBER':
      return 'that is not a phone number';
    default:
      if (national) return `the number is not a valid ${national} number${readAs}`;
      return `the number is not a valid phone number (no such number exists${countryCode ? ` with country code +${countryCode}` : ' in its country'})`;
  }
}
