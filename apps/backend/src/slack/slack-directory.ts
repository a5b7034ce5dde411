import type { Logger } from '@klaxon/logger';
import { ErrorCode } from '@slack/web-api';
import { SlackDirectoryError, type SlackDirectory, type SlackLookupFailure } from '../contacts/slack-directory';
import { createSlackWebClient, slackPlatformError, slackRetryAfterSec } from './web-client';

interface UsersInfoUser {
  deleted?: boolean;
  real_name?: string;
  profile?: { phone?: string; display_name?: string; real_name?: string };
}

/**
 * Total time one lookup may take, retries and Retry-After waits included. A raise resolves its targets
 * before it answers, and the gateway's first raise attempt waits at most its page retry budget (10 s):
 * 5 s leaves that answer well inside it, and is long enough to wait out Slack's usual short throttles.
 */
export const SLACK_LOOKUP_BUDGET_MS = 5_000;
// Two tries of 2 s and a 250 ms pause fit the budget when Slack does not answer or answers 5xx.
const LOOKUP_ATTEMPT_TIMEOUT_MS = 2_000;
// A Retry-After that leaves less than this for the next try is not waited out.
const MIN_ATTEMPT_MS = 250;

export function createSlackDirectory({
  botToken,
  apiUrl,
  logger,
  budgetMs = SLACK_LOOKUP_BUDGET_MS,
}: {
  botToken: string;
  apiUrl?: string | undefined;
  logger: Logger;
  budgetMs?: number;
}): SlackDirectory {
  // The client retries a timeout, a network failure or a 5xx itself; a 429 comes back to the loop below.
  const client = createSlackWebClient({
    botToken,
    apiUrl,
    timeoutMs: LOOKUP_ATTEMPT_TIMEOUT_MS,
    retryConfig: { retries: 1, factor: 1, minTimeout: 250, maxTimeout: 250, randomize: false, maxRetryTime: budgetMs },
  });

  async function usersInfo(userId: string, deadline: number): Promise<UsersInfoUser | undefined> {
    for (;;) {
      try {
        return (await beforeDeadline(client.users.info({ user: userId }), deadline)).user as UsersInfoUser | undefined;
      } catch (error) {
        const retryAfterSec = slackRetryAfterSec(error);
        if (retryAfterSec === null || performance.now() + retryAfterSec * 1000 + MIN_ATTEMPT_MS > deadline) throw error;
        logger.info('slack users.info rate limited, asking again after Retry-After', { slackUserId: userId, retryAfterSec });
        await new Promise((resolve) => setTimeout(resolve, retryAfterSec * 1000));
      }
    }
  }

  return {
    async lookupUser(userId) {
      let user: UsersInfoUser | undefined;
      try {
        // Deadlines on the monotonic clock: only the time left matters, and the wall clock may step.
        user = await usersInfo(userId, performance.now() + budgetMs);
      } catch (error) {
        const platformError = slackPlatformError(error);
        if (platformError === 'user_not_found') return null;
        const why = lookupFailure(error);
        logger.warn('slack users.info failed', { slackUserId: userId, why, errorCode: platformError ?? codeOf(error), error });
        throw new SlackDirectoryError(userId, why, platformError ?? messageOf(error), { cause: error });
      }
      // A deactivated account cannot acknowledge anything: treat it like a user who is not there.
      if (!user || user.deleted) return null;
      const profile = user.profile ?? {};
      return {
        name: nonEmpty(profile.display_name) ?? nonEmpty(profile.real_name) ?? nonEmpty(user.real_name),
        phone: nonEmpty(profile.phone),
      };
    },
  };
}

class LookupDeadlineError extends Error {
  constructor() {
    super('no answer from Slack within the lookup budget');
    this.name = 'LookupDeadlineError';
  }
}

/** `request`, or a LookupDeadlineError at `deadline`; a request still running then is left to finish unheard. */
async function beforeDeadline<T>(request: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LookupDeadlineError()), Math.max(0, deadline - performance.now()));
  });
  request.catch(() => undefined);
  try {
    return await Promise.race([request, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function lookupFailure(error: unknown): SlackLookupFailure {
  if (slackRetryAfterSec(error) !== null || slackPlatformError(error) === 'ratelimited') return 'rate_limited';
  if (error instanceof LookupDeadlineError) return 'timeout';
  // The client's per-request timeout aborts the fetch: a request error wrapping a TimeoutError.
  const { code, original } = error as { code?: unknown; original?: { name?: unknown } };
  if (code === ErrorCode.RequestError && (original?.name === 'TimeoutError' || original?.name === 'AbortError')) return 'timeout';
  return 'unavailable';
}

function nonEmpty(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function messageOf(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}
