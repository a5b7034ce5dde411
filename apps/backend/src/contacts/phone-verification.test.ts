import { MovableClock } from '@klaxon/testing';
import {
  checkCode,
  CODE_TTL_MS,
  codeText,
  generateCode,
  hashCode,
  MAX_CODE_ATTEMPTS,
  MAX_SENDS_PER_WINDOW,
  RESEND_INTERVAL_MS,
  resendWaitMs,
  sealCode,
  SEND_WINDOW_MS,
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

describe('resendWaitMs', () => {
  const sent = (sentAgoMs: number, sendsInWindow: number, windowAgoMs: number) => ({
    sentAt: new Date(clock.now().getTime() - sentAgoMs),
    sendsInWindow,
    windowStartedAt: new Date(clock.now().getTime() - windowAgoMs),
  });

  it('lets the first code go at once', () => {
    expect(resendWaitMs(null, clock.now())).toBe(0);
  });

  it('waits out the interval since the last code', () => {
    expect(resendWaitMs(sent(10_000, 1, 10_000), clock.now())).toBe(RESEND_INTERVAL_MS - 10_000);
    expect(resendWaitMs(sent(RESEND_INTERVAL_MS, 1, RESEND_INTERVAL_MS), clock.now())).toBe(0);
  });

  it('waits for the window to end once it holds the most codes allowed', () => {
    expect(resendWaitMs(sent(60_000, MAX_SENDS_PER_WINDOW, 20 * 60_000), clock.now())).toBe(SEND_WINDOW_MS - 20 * 60_000);
    expect(resendWaitMs(sent(60_000, MAX_SENDS_PER_WINDOW - 1, 20 * 60_000), clock.now())).toBe(0);
    expect(resendWaitMs(sent(60_000, MAX_SENDS_PER_WINDOW, SEND_WINDOW_MS), clock.now())).toBe(0);
  });
});

describe('codeText', () => {
  it('says the code, what it is for, and for how long', () => {
    expect(codeText('123456', 'T0DEV')).toBe('Klaxon: your code is 123456. It confirms this number for pages from T0DEV. Expires in 10 minutes.');
  });
});
