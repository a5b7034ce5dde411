import { retryWithin } from './retry-within';

describe('retryWithin', () => {
  it('retries a retryable failure until it succeeds, telling each attempt the time left', async () => {
    const remaining: number[] = [];
    let calls = 0;
    const result = await retryWithin(
      async (left) => {
        remaining.push(left);
        calls++;
        if (calls < 3) throw new Error('down');
        return 'ok';
      },
      { budgetMs: 2000, delaysMs: [10], shouldRetry: () => true },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(remaining[0]).toBeLessThanOrEqual(2000);
    expect(remaining[2]).toBeLessThan(remaining[0]!);
  });

  it('gives up with the last error once the budget is spent, never running past it', async () => {
    // A clock the test moves: each attempt takes 30 ms, each pause what it asks for.
    let clock = 0;
    let calls = 0;
    await expect(
      retryWithin(
        async () => {
          calls++;
          clock += 30;
          throw new Error(`down ${calls}`);
        },
        { budgetMs: 500, delaysMs: [100], shouldRetry: () => true, now: () => clock, sleep: async (ms) => void (clock += ms) },
      ),
    ).rejects.toThrow(/^down 3$/);
    // 3 attempts and 2 pauses (290 ms); a third pause would leave 110 ms, less than an attempt needs (200).
    expect(calls).toBe(3);
    expect(clock).toBe(290);
  });

  it('does not retry an error the caller says is final', async () => {
    let calls = 0;
    await expect(
      retryWithin(
        async () => {
          calls++;
          throw new Error('refused');
        },
        { budgetMs: 5000, shouldRetry: () => false },
      ),
    ).rejects.toThrow('refused');
    expect(calls).toBe(1);
  });
});
