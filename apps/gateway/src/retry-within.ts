export interface RetryWithinOptions {
  /** Total time the caller may spend, attempts and pauses included. */
  budgetMs: number;
  /** Pauses between attempts; the last one repeats. */
  delaysMs?: readonly number[];
  shouldRetry: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Below this an attempt cannot usefully reach the backend, so the loop gives up rather than start it.
const MIN_ATTEMPT_MS = 200;

/**
 * Runs `attempt` until it succeeds, fails with an error not worth retrying, or the budget is spent. Each
 * attempt is told the time it has left, so the total never exceeds the budget (the caller passes it on
 * as the request timeout).
 */
export async function retryWithin<T>(attempt: (remainingMs: number) => Promise<T>, options: RetryWithinOptions): Promise<T> {
  const { budgetMs, delaysMs = [250, 500, 1000, 2000], shouldRetry, onRetry, now = Date.now, sleep = sleepFor } = options;
  const deadline = now() + budgetMs;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt(Math.max(deadline - now(), MIN_ATTEMPT_MS));
    } catch (error) {
      const pause = delaysMs[Math.min(tries - 1, delaysMs.length - 1)] ?? 0;
      if (!shouldRetry(error) || deadline - now() - pause < MIN_ATTEMPT_MS) throw error;
      onRetry?.(error, tries);
      await sleep(pause);
    }
  }
}
