import { ErrorCode, LogLevel, type RetryOptions, WebClient } from '@slack/web-api';

export interface SlackWebClientOptions {
  botToken: string;
  /** Base URL of the Web API (the fake in tests, a proxy); unset → Slack's. */
  apiUrl?: string | undefined;
  timeoutMs?: number;
  /** How the client retries a timeout, a network failure or a 5xx; a 429 is never waited out here (see below). */
  retryConfig?: RetryOptions;
}

const QUICK_RETRY: RetryOptions = { retries: 1, factor: 1, minTimeout: 100, maxTimeout: 200, randomize: false };

/**
 * A WebClient that gives up quickly. Its default retry policy keeps trying for minutes; a page must
 * not wait that long for a profile lookup or a channel reminder, and our job runner retries anyway.
 * A 429 is handed back at once (a WebAPIRateLimitedError carrying `retryAfter`): left to itself the
 * client sleeps the whole Retry-After, however long Slack asks, with its request queue paused, so the
 * caller decides whether the wait fits its own time budget.
 */
export function createSlackWebClient({ botToken, apiUrl, timeoutMs = 3_000, retryConfig = QUICK_RETRY }: SlackWebClientOptions): WebClient {
  return new WebClient(botToken, {
    ...(apiUrl === undefined ? {} : { slackApiUrl: apiUrl }),
    timeout: timeoutMs,
    retryConfig,
    rejectRateLimitedCalls: true,
    // Our logger reports failures with context; the SDK's own console lines would be noise.
    logLevel: LogLevel.ERROR,
  });
}

/** The `error` of an `ok: false` answer (`user_not_found`, `ratelimited`…), or null for other failures. */
export function slackPlatformError(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : null;
}

/** Seconds Slack asked us to wait, from a 429 the client handed back; null for any other failure. */
export function slackRetryAfterSec(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, retryAfter } = error as { code?: unknown; retryAfter?: unknown };
  return code === ErrorCode.RateLimitedError && typeof retryAfter === 'number' ? retryAfter : null;
}
