import { z } from 'zod';
import { SEVERITIES, SLACK_USER_ID_PATTERN, SLACK_USERGROUP_ID_PATTERN, type Channel } from './alert';
import { stripBidiControls } from './text';
import { canonicalTimeZone } from './time-zone';
import { slugSchema } from './slug';

const slackUserId = z.string().regex(SLACK_USER_ID_PATTERN, 'a Slack user id such as U024BE7LH');
export const SLACK_CHANNEL_ID_PATTERN = /^[CGD][A-Z0-9]{2,}$/;
export const slackChannelIdSchema = z.string().regex(SLACK_CHANNEL_ID_PATTERN, 'a Slack channel id such as C024BE91L');
const slackChannelId = slackChannelIdSchema;

/** A tenant is a Slack team id or any short slug an internal service chooses. */
export const tenantIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "-" or "." (a Slack team id such as T024BE7LD)');

/** Free text a caller writes and people read (messages, notes, names): bidi controls are taken out before any check. */
const callerText = () => z.string().overwrite(stripBidiControls);

export const alertTargetSchema = z.union([
  z.strictObject({ slack_user_id: slackUserId }),
  z.strictObject({ phone: z.string().min(3).max(32) }),
]);

const slackOrigin = z.strictObject({
  channel_id: slackChannelId,
  response_url: z.url({ protocol: /^https?$/ }).optional(),
  user_id: slackUserId,
});

const alertRequestFields = {
  tenant_id: tenantIdSchema,
  message: callerText().trim().min(1, 'must not be empty').max(2000),
  severity: z.enum(SEVERITIES).optional(),
  rule_name: callerText().min(1).max(200).optional(),
  // Optional when a service is paged; with both, both are paged.
  targets: z.array(alertTargetSchema).min(1, 'at least one target (or leave targets out and name a service)').max(20).optional(),
  service: slugSchema.describe('A service of the tenant: its escalation policy pages whoever is on call (step 1 now, the next steps while nobody acknowledges).').optional(),
  dedup_key: z.string().min(1).max(200).optional(),
  // The caller's name for the system that raised the alert; free text, never trusted for anything.
  source: callerText()
    .trim()
    .min(1, 'must not be empty when given')
    .max(255)
    .regex(/^[^\p{Cc}]*$/u, 'one line of text naming the system that raised the alert, such as billing-api')
    .optional(),
  slack: slackOrigin.optional(),
};

/** A raise pages someone: named targets, a service (by name, or in Slack by its user group), or both. */
const pagesSomeone = (body: { targets?: unknown[] | undefined; service?: string | undefined; slack_usergroup?: string | undefined }) =>
  body.targets !== undefined || body.service !== undefined || body.slack_usergroup !== undefined;
const PAGES_SOMEONE = { message: 'name targets, a service, or both', path: ['targets'] };

export const createAlertRequestSchema = z.strictObject(alertRequestFields).refine(pagesSomeone, PAGES_SOMEONE);
export type CreateAlertRequest = z.infer<typeof createAlertRequestSchema>;

/**
 * Body of the gateway's private `POST /slack/alert`: a page typed in Slack, whose message is Slack markup
 * (mentions as `<@U…>`, `&`, `<`, `>` already escaped by Slack). The `slack` part is required there.
 */
export const slackAlertRequestSchema = z
  .strictObject({
    ...alertRequestFields,
    slack: slackOrigin,
    slack_usergroup: z
      .string()
      .regex(SLACK_USERGROUP_ID_PATTERN, 'a Slack user group id such as S0614TZR7')
      .describe('A user group mentioned in the command: pages the service linked to it (`slack_usergroup` of a service); not with `service`.')
      .optional(),
  })
  .refine(pagesSomeone, PAGES_SOMEONE)
  .refine((body) => body.service === undefined || body.slack_usergroup === undefined, { message: 'name the service or its user group, not both', path: ['slack_usergroup'] });
export type SlackAlertRequest = z.infer<typeof slackAlertRequestSchema>;

// Actors are shown in Slack and in logs: a closed character set keeps them from carrying markup or control characters.
export const ACTOR_PATTERN = /^[\p{L}\p{Nd} ._@:-]+$/u;

/** Body of `PUT /alerts/:id/acknowledge` and `/resolve`. */
export const transitionRequestSchema = z.strictObject({
  note: callerText().trim().min(1, 'must not be empty when given').max(1000).optional(),
  actor: z
    .string()
    .trim()
    .min(1, 'must not be empty when given')
    .max(100)
    .regex(ACTOR_PATTERN, 'letters, digits, spaces and . _ @ : - only (such as slack:U024BE7LH or deploy-bot)')
    .optional(),
});
export type TransitionRequest = z.infer<typeof transitionRequestSchema>;

export const TIME_OF_DAY_PATTERN = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const timeOfDay = z.string().regex(TIME_OF_DAY_PATTERN, 'a time of day as HH:MM (24-hour), e.g. 22:00');

/** A quiet period in the contact's time zone; `start` after `end` wraps midnight (22:00 to 07:00). */
export const quietHoursSchema = z
  .strictObject({ start: timeOfDay, end: timeOfDay })
  .refine((q) => q.start !== q.end, { message: 'start and end must differ (to turn quiet hours off, send null)', path: ['end'] });

export const timeZoneSchema = z
  .string()
  .trim()
  .max(64)
  .refine((name) => canonicalTimeZone(name) !== null, 'an IANA time zone such as Europe/Berlin, America/New_York or UTC')
  .transform((name) => canonicalTimeZone(name) ?? name);

/** A channel's name as it travels: a lower-case word (`whatsapp`, `voice`, or one a backend registers). */
export const CHANNEL_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
export const channelNameSchema = z.string().regex(CHANNEL_NAME_PATTERN, 'a channel name such as whatsapp, sms, voice or email');

/**
 * The channels a person accepts. `known`: the channels the backend can page people on (its registry); a name
 * outside them is refused with the list. Without it only the names' shape is checked (the shared, documented schema).
 */
export function contactChannelsSchema(known?: readonly Channel[]) {
  const channel = known
    ? channelNameSchema.refine((name) => known.includes(name), `not a channel this backend pages people on; it knows ${known.join(', ')}`)
    : channelNameSchema;
  return z
    .array(channel)
    .min(1, 'at least one channel; Klaxon could not page you at all with none')
    .refine((channels) => new Set(channels).size === channels.length, 'each channel once');
}

/**
 * Body of `PUT /contacts/:tenant_id/:slack_user_id`: any of the fields, and what is not given stays as
 * stored. `null` clears `email`, `time_zone` or `quiet_hours`. What `/alert phone`, `/alert email` and
 * `/alert prefs` send. `known`: as for contactChannelsSchema (the backend passes its registry's channels).
 */
export function upsertContactRequestSchemaFor(known?: readonly Channel[]) {
  return z
    .strictObject({
      name: callerText().trim().min(1).max(100).optional(),
      // Only empty is refused here: the backend's normalisation says what is wrong with a short number.
      phone: z.string().trim().min(1, 'a phone number such as +44 20 7946 0958').max(32).optional(),
      email: z.email('an email address such as jane@example.com').max(254).toLowerCase().nullable().optional(),
      channels: contactChannelsSchema(known).optional(),
      time_zone: timeZoneSchema.nullable().optional(),
      quiet_hours: quietHoursSchema.nullable().optional(),
    })
    .refine((body) => Object.keys(body).length > 0, 'give at least one of name, phone, email, channels, time_zone, quiet_hours');
}
export type UpsertContactRequestSchema = ReturnType<typeof upsertContactRequestSchemaFor>;
export const upsertContactRequestSchema: UpsertContactRequestSchema = upsertContactRequestSchemaFor();
export type UpsertContactRequest = z.input<typeof upsertContactRequestSchema>;

/** `PUT /slack/contacts/:tenant_id/:slack_user_id/phone`: the number a person gives for themselves (`/alert phone +…`). */
export const ownPhoneRequestSchema = z.strictObject({
  // Only empty is refused here: the backend's normalisation says what is wrong with a short number ("12").
  phone: z.string().trim().min(1, 'a phone number such as +44 20 7946 0958').max(32),
});
export type OwnPhoneRequest = z.input<typeof ownPhoneRequestSchema>;

/** A verification code as Klaxon sends it: six digits. */
export const VERIFICATION_CODE_PATTERN = /^\d{6}$/;

/** `POST /slack/contacts/:tenant_id/:slack_user_id/phone/verify`: the code sent to the pending number. */
export const verifyPhoneRequestSchema = z.strictObject({
  code: z.string().trim().regex(VERIFICATION_CODE_PATTERN, 'the six digits of the code Klaxon sent'),
});
export type VerifyPhoneRequest = z.input<typeof verifyPhoneRequestSchema>;

/** `POST /test-pages`: a page marked TEST to one person, through each channel they accept (`/alert test`). */
export const testPagesRequestSchema = z.strictObject({
  tenant_id: tenantIdSchema,
  slack_user_id: z.string().regex(SLACK_USER_ID_PATTERN, 'a Slack user id such as U024BE7LH'),
});
export type TestPagesRequest = z.infer<typeof testPagesRequestSchema>;
