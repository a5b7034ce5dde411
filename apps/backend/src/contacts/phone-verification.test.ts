import { MovableClock } from '@klaxon/testing';
import {
  checkCode,
  CODE_TTL_MS,
  codeSendLimits,
  codeText,
  destinationHash,
  generateCode,
  hashCode,
  MAX_CODE_ATTEMPTS,
  refusalDetail,
  refusalOf,
  sealCode,
  waitForRoomMs,
  type CodeSendLimit,
} from './phone-verification';

const clock = new MovableClock(new Date('2026-11-30T03:00:00Z'));
const pendingFor = (code: string, attempts = 0) => ({ ...sealCode(code), expiresAt: new Date(clock.now().getTime() + CODE_TTL_MS), attempts });

describe('generateCode', () => {
  it('gives six digits, leading zeros kept, and not the same code every time', () => {
    const codes = Array.from({ length: 200 }, generateCode);
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(codes).size).toBeGreaterThan(190);
  });
});

describe('sealCode / hashCode', () => {
  it('stores a salted HMAC, never the code: the same code under two salts hashes differently', () => {
    const a = sealCode('123456');
    const b = sealCode('123456');
    expect(a.codeSalt.equals(b.codeSalt)).toBe(false);
    expect(a.codeHash.equals(b.codeHash)).toBe(false);
    expect(a.codeHash.toString('hex')).not.toContain('123456');
    expect(hashCode('123456', a.codeSalt).equals(a.codeHash)).toBe(true);
    expect(hashCode('123457', a.codeSalt).equals(a.codeHash)).toBe(false);
  });
});

describe('checkCode', () => {
  it('accepts the right code before it expires', () => {
    expect(checkCode(pendingFor('042042'), '042042', clock.now())).toEqual({ ok: true });
  });

  it('refuses a wrong code, saying how many attempts are left after this one', () => {
    expect(checkCode(pendingFor('042042'), '042043', clock.now())).toEqual({ ok: false, reason: 'wrong', attemptsLeft: MAX_CODE_ATTEMPTS - 1 });
    expect(checkCode(pendingFor('042042', MAX_CODE_ATTEMPTS - 1), '000000', clock.now())).toEqual({ ok: false, reason: 'wrong', attemptsLeft: 0 });
  });

  it('refuses even the right code once the attempts are used up', () => {
    expect(checkCode(pendingFor('042042', MAX_CODE_ATTEMPTS), '042042', clock.now())).toEqual({ ok: false, reason: 'no_attempts_left' });
  });

  it('refuses even the right code once it has expired, and not a moment before', () => {
    const pending = pendingFor('042042');
    const later = new MovableClock(clock.now());
    later.advance(CODE_TTL_MS - 1);
    expect(checkCode(pending, '042042', later.now())).toEqual({ ok: true });
    later.advance(1);
    expect(checkCode(pending, '042042', later.now())).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('codeSendLimits', () => {
  it('are 1 code per 30 s and 5 an hour per person, 3 an hour and 10 a day per number, and the configured number an hour in all', () => {
    expect(codeSendLimits(100)).toEqual([
      { scope: 'requester', max: 1, windowMs: 30_000 },
      { scope: 'requester', max: 5, windowMs: 3_600_000 },
      { scope: 'destination', max: 3, windowMs: 3_600_000 },
      { scope: 'destination', max: 10, windowMs: 86_400_000 },
      { scope: 'installation', max: 100, windowMs: 3_600_000 },
    ]);
  });
});

describe('waitForRoomMs', () => {
  const hourly: CodeSendLimit = { scope: 'destination', max: 3, windowMs: 3_600_000 };
  const ago = (ms: number) => new Date(clock.now().getTime() - ms);

  it('has room below the limit', () => {
    expect(waitForRoomMs(hourly, { count: 0, nthLatest: null }, clock.now())).toBe(0);
    expect(waitForRoomMs(hourly, { count: 2, nthLatest: null }, clock.now())).toBe(0);
  });

  it('at the limit, waits until the oldest send that counts leaves the window', () => {
    expect(waitForRoomMs(hourly, { count: 3, nthLatest: ago(20 * 60_000) }, clock.now())).toBe(40 * 60_000);
    expect(waitForRoomMs(hourly, { count: 3, nthLatest: ago(3_600_000) }, clock.now())).toBe(0);
  });
});

describe('refusalOf', () => {
  const limit = (scope: CodeSendLimit['scope'], max: number, windowMs: number): CodeSendLimit => ({ scope, max, windowMs });

  it('is null when every limit has room, else the one that holds longest', () => {
    expect(refusalOf([{ limit: limit('requester', 1, 30_000), waitMs: 0 }, { limit: limit('installation', 100, 3_600_000), waitMs: 0 }])).toBeNull();
    const longest = { limit: limit('destination', 10, 86_400_000), waitMs: 5 * 3_600_000 };
    expect(refusalOf([{ limit: limit('requester', 1, 30_000), waitMs: 12_000 }, longest, { limit: limit('destination', 3, 3_600_000), waitMs: 60_000 }])).toBe(longest);
  });
});

describe('refusalDetail', () => {
  const [interval, hourly, perNumberHourly, perNumberDaily, installation] = codeSendLimits(250) as [CodeSendLimit, CodeSendLimit, CodeSendLimit, CodeSendLimit, CodeSendLimit];

  it.each([
    [interval, 12_300, 'a code was sent a moment ago; a new one can be sent in 13 s (this keeps `/alert phone` from flooding a phone)'],
    [hourly, 57 * 60_000 + 1, 'you have asked for 5 codes in the last hour, the most Klaxon sends for one person; a new one can be sent in 58 min'],
    [perNumberHourly, 90_000, '+44 ******0958 has had too many codes lately (at most 3 an hour and 10 a day, whoever asks); a new one can be sent to it in 2 min'],
    [perNumberDaily, 5 * 3_600_000 - 1, '+44 ******0958 has had too many codes lately (at most 3 an hour and 10 a day, whoever asks); a new one can be sent to it in 5 h'],
    [installation, 3_600_000, 'Klaxon has sent 250 codes in the last hour, the most it sends for everyone together (PHONE_CODE_LIMIT_GLOBAL); a new one can be sent in 60 min'],
  ])('says which limit (%j) and how long, rounded up', (limit, waitMs, detail) => {
    expect(refusalDetail({ limit, waitMs }, '+44 ******0958')).toBe(detail);
  });
});

describe('destinationHash', () => {
  it('is the SHA-256 of the E.164 number: one value per number, none holding its digits', () => {
    expect(destinationHash('+442079460958').toString('hex')).toBe('f0bf0228144d9fe2bdf1da2d8ca698f17bf1410ee688b075c27062e47b6f0b6d');
    expect(destinationHash('+442079460958').equals(destinationHash('+442079460959'))).toBe(false);
  });
});

describe('codeText', () => {
  it('says the code, what it is for, and for how long', () => {
    expect(codeText('123456', 'T0DEV')).toBe('Klaxon: your code is 123456. It confirms this number for pages from T0DEV. Expires in 10 minutes.');
  });
});
