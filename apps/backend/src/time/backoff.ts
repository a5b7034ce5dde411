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
