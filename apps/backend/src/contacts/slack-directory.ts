// What contacts ask of the Slack workspace: a person's profile (name, phone). The port lives here, with the
// domain that needs it; slack/slack-directory.ts implements it with users.info, and backend.ts wires the two.

/** What a Slack profile says about a person; `phone` is free text as they typed it. */
export interface SlackProfile {
  name: string | null;
  phone: string | null;
}

export interface SlackDirectory {
  /** null: Slack has no such (active) user. Throws SlackDirectoryError when Slack could not be asked. */
  lookupUser(userId: string): Promise<SlackProfile | null>;
}

/** Why a lookup failed: `rate_limited` (429 past the budget), `timeout` (no answer in time), `unavailable` (the rest). */
export type SlackLookupFailure = 'rate_limited' | 'timeout' | 'unavailable';

export class SlackDirectoryError extends Error {
  readonly why: SlackLookupFailure;

  constructor(userId: string, why: SlackLookupFailure, detail: string, options?: { cause?: unknown }) {
    super(`Slack could not be asked about ${userId}: ${detail}`, options);
    this.name = 'SlackDirectoryError';
    this.why = why;
  }
}
