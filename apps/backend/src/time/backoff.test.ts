import fc from 'fast-check';
import { nextRetryAt, retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  it('doubles the ceiling each attempt and caps it at 10 minutes', () => {
    const top = () => 0.99999999;
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 1000, top))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, 1000, top)).toBe(600_000);
  });

  it('spreads delays between a floor of base/10 and the ceiling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 100, max: 600_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, base, r) => {
        const delay = retryDelayMs(attempt, base, () => r);
        return delay >= Math.round(base / 10) && delay <= Math.max(Math.round(base / 10), Math.min(600_000, base * 2 ** (attempt - 1)));
      }),
    );
  });
});

describe('nextRetryAt', () => {
  const now = new Date('2026-12-08T10:00:00Z');
  const policy = { maxAttempts: 3, baseMs: 1000, random: () => 0.5 };

  it('retries a transient failure after the backoff of the attempts made, until maxAttempts were made', () => {
    expect(nextRetryAt({ kind: 'transient' }, 1, policy, now)).toEqual(new Date(now.getTime() + retryDelayMs(1, 1000, () => 0.5)));
    expect(nextRetryAt({ kind: 'transient' }, 2, policy, now)).toEqual(new Date(now.getTime() + 1000));
    expect(nextRetryAt({ kind: 'transient' }, 3, policy, now)).toBeNull();
  });

  it('never retries a permanent failure', () => {
    expect(nextRetryAt({ kind: 'permanent' }, 1, policy, now)).toBeNull();
  });
});
