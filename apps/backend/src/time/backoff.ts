const MAX_DELAY_MS = 600_000;

/**
 * Delay before retry number `attempt` (1 = first retry): exponential from `baseMs`, capped, with full
 * jitter, so retries of many deliveries after one Twilio outage spread out instead of arriving together.
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  // Never zero: a retry in the same millisecond would hit the same failure.
  return Math.max(Math.round(baseMs / 10), Math.round(random() * ceiling));
}

/** How often and how fast failed attempts are tried again (NOTIFY_MAX_ATTEMPTS, NOTIFY_RETRY_BASE). */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  random?: () => number;
}

/**
 * The one retry decision for everything Klaxon sends (pages, PagerDuty events): after a failed attempt,
 * when to try again, or null to stop. Only a transient failure is tried again, and only while fewer than
 * `maxAttempts` attempts were made (`attempts` counts the one that just failed).
 */
export function nextRetryAt(failure: { kind: 'transient' | 'permanent' }, attempts: number, policy: RetryPolicy, now: Date): Date | null {
  if (failure.kind !== 'transient' || attempts >= policy.maxAttempts) return null;
  return new Date(now.getTime() + retryDelayMs(attempts, policy.baseMs, policy.random));
}
