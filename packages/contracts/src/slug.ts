import { z } from 'zod';

/** Names of schedules, layers, escalation policies and services: what fits in a URL and a Slack message. */
export const SLUG_PATTERN = /^[a-z0-9-]{1,64}$/;

/** A value as a message quotes it (`"Payments"`). */
export const quoted = (input: unknown): string => JSON.stringify(input) ?? String(input);

export const slugSchema = z
  .string()
  .regex(SLUG_PATTERN, { error: (issue) => `${quoted(issue.input)} is not a name: 1 to 64 of a-z, 0-9 and "-", such as payments-primary` });
