import { LogLevel, WebClient } from '@slack/web-api';

export interface SlackWebClientOptions {
  botToken: string;
  /** Base URL of the Web API (the fake in tests, a proxy); unset → Slack's. */
  apiUrl?: string | undefined;
  timeoutMs?: number;
}

/**
 * A WebClient that gives up quickly. Its default retry policy keeps trying for minutes; a page must
 * not wait that long for a profile lookup or a channel reminder, and our job runner retries anyway.
 */
export function createSlackWebClient({ botToken, apiUrl, timeoutMs = 3_000 }: SlackWebClientOptions): WebClient {
  return new WebClient(botToken, {
    ...(apiUrl === undefined ? {} : { slackApiUrl: apiUrl }),
    timeout: timeoutMs,
    retryConfig: { retries: 1, factor: 1, minTimeout: 100, maxTimeout: 200, randomize: false },
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
