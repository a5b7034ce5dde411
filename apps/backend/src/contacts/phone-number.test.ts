import { normalizePhone } from './phone-number';

describe('normalizePhone', () => {
  it.each([
    { raw: '(415) 555-0101', region: 'US', e164: '+14155550101' },
    { raw: '415 555 0101', region: 'US', e164: '+14155550101' },
    { raw: '+1 415-555-0101', region: 'GB', e164: '+14155550101' },
    { raw: '  +14155550101  ', region: 'US', e164: '+14155550101' },
    { raw: '020 7946 0958', region: 'GB', e164: '+442079460958' },
    { raw: '+44 20 7946 0958', region: 'US', e164: '+442079460958' },
    { raw: '07911 123456', region: 'GB', e164: '+447911123456' },
    { raw: '+447911123456', region: 'US', e164: '+447911123456' },
  ])('turns $raw (region $region) into $e164', ({ raw, region, e164 }) => {
    expect(normalizePhone(raw, region)).toEqual({ ok: true, e164 });
  });

  it.each([
    { raw: '12', region: 'US', reason: 'the number is too short to be a phone number (2 digits)' },
    { raw: '+1 555', region: 'US', reason: 'the number is too short to be a phone number (4 digits)' },
    { raw: '+1 (415) 555-01011234', region: 'US', reason: 'the number is too long to be a phone number (15 digits)' },
    { raw: '1', region: 'US', reason: 'the number is too short to be a phone number (1 digit)' },
    { raw: '+1 555 555 0100', region: 'US', reason: 'the number is not a valid phone number (no such number exists with country code +1)' },
    // Without +, a number is read in the default region: when it does not fit there, the reason says so.
    { raw: '555 555 0100', region: 'US', reason: 'the number is not a valid US number, which is what a number written without + is read as' },
    { raw: '020 7946 0958', region: 'US', reason: 'the number is too long for a US number (11 digits), which is what a number written without + is read as' },
    { raw: '415 555 0101', region: 'GB', reason: 'the number is not a valid GB number, which is what a number written without + is read as' },
    { raw: '(415) 555-01011234', region: 'US', reason: 'the number is too long for a US number (14 digits), which is what a number written without + is read as' },
    { raw: '415-555-CALL', region: 'US', reason: 'the number contains letters: write it with digits only, e.g. +1 415 555 0101' },
    { raw: '+1 415 555 0101 ext 5', region: 'US', reason: expect.stringMatching(/^the number contains letters/) },
    { raw: '', region: 'US', reason: 'no phone number was given' },
    { raw: '   ', region: 'US', reason: 'no phone number was given' },
    { raw: '---', region: 'US', reason: 'that is not a phone number' },
    { raw: '+999 1234567', region: 'US', reason: expect.stringMatching(/^the number has no known country code/) },
    { raw: '4155550199', region: 'ZZ', reason: expect.stringMatching(/^the number has no known country code: write it with \+/) },
  ])('refuses $raw with a reason that does not repeat it', ({ raw, region, reason }) => {
    expect(normalizePhone(raw, region)).toEqual({ ok: false, reason });
  });
});
