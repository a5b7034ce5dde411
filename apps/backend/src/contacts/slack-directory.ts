import type { Logger } from '@klaxon/logger';
import { createSlackWebClient, slackPlatformError } from '../slack/web-client';

/** What a Slack profile says about a person; `phone` is free text as they typed it. */
export interface SlackProfile {
  name: string | null;
  phone: string | null;
}

export interface SlackDirectory {
  /** null: Slack has no such (active) user. Throws SlackDirectoryError when Slack could not be asked. */
  lookupUser(userId: string): Promise<SlackProfile | null>;
}

export class SlackDirectoryError extends Error {
  constructor(userId: string, why: string, options?: { cause?: unknown }) {
    super(`Slack could not be asked about ${userId}: ${why}`, options);
    this.name = 'SlackDirectoryError';
  }
}

interface UsersInfoUser {
  deleted?: boolean;
  real_name?: string;
  profile?: { phone?: string; display_name?: string; real_name?: string };
}

export function createSlackDirectory({ botToken, apiUrl, logger }: { botToken: string; apiUrl?: string | undefined; logger: Logger }): SlackDirectory {
  const client = createSlackWebClient({ botToken, apiUrl });
  return {
    async lookupUser(userId) {
      let user: UsersInfoUser | undefined;
      try {
        user = (await client.users.info({ user: userId })).user as UsersInfoUser | undefined;
      } catch (error) {
        const platformError = slackPlatformError(error);
        if (platformError === 'user_not_found') return null;
        logger.warn('slack users.info failed', { slackUserId: userId, errorCode: platformError ?? codeOf(error), error });
        throw new SlackDirectoryError(userId, platformError ?? messageOf(error), { cause: error });
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
