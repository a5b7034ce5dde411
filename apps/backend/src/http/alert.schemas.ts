import { z } from 'zod';
import {
  ALERT_EVENT_KINDS,
  ALERT_ORIGINS,
  ALERT_STATUSES,
  RECEIPT_STATUSES,
  SEVERITIES,
  TARGET_STATUSES,
  type AlertDto,
  type AlertEscalationDto,
  type AlertEventKind,
  type AlertListDto,
  type AlertStatsDto,
  type AlertTargetDto,
  type DeliveryReceiptDto,
  type HeldPageDto,
  type TransitionConflictBody,
} from '@klaxon/contracts';
import { bodyOf, channelLabels, channelName, errorBody, timestamp } from './openapi-kit';

// The bodies the alert routes answer with, for the OpenAPI document; each must match its DTO in contracts.

const count = () => z.number().int().min(0);

const receipt = bodyOf<DeliveryReceiptDto>()(z.strictObject({ channel: channelName('The channel the page went on.'), status: z.enum(RECEIPT_STATUSES), at: timestamp('When the provider reported it.') }));

const heldPage = bodyOf<HeldPageDto>()(
  z.strictObject({
    until: timestamp('When the held channels go out: the end of the quiet hours.'),
    time_zone: z.string().describe('The person’s IANA time zone, in which their quiet hours are read (`Europe/Berlin`).'),
  }),
);

export const alertTargetSchema = bodyOf<AlertTargetDto>()(
  z
    .strictObject({
      slack_user_id: z.string().nullable().describe('The Slack user paged; null for a bare phone target.'),
      name: z.string().nullable().describe('Display name when known (contacts or Slack profile).'),
      phone: z.string().nullable().describe('E.164, masked on the wire (`+1 ******0123`); null when none was found.'),
      email: z.string().nullable().describe('Masked on the wire (`j***@example.com`); null when the person has none.'),
      status: z.enum(TARGET_STATUSES).describe('`paging`: at least one channel will try; `unreachable`: `reason` says why not.'),
      channels: z.array(channelName('A channel.')).describe('What pages this target now: the policy for the severity, within what the person accepts.'),
      reason: z.string().nullable().describe('Why the target cannot be reached; null while paging.'),
      held: heldPage
        .nullable()
        .describe('The first page waits for the end of the person’s quiet hours (a low or medium alert): every channel in `channels` goes out at `until`. Null when it went at once.'),
      receipts: z
        .array(receipt)
        .describe('What reached the person, as Twilio reported it (status callbacks): per channel, the furthest status and when. `voicemail`: a machine answered the call (not reached).'),
    })
    .meta({ id: 'AlertTarget', description: 'A person (or number) the alert pages, as target resolution found them.' }),
);

const alertEscalationSchema = bodyOf<AlertEscalationDto>()(
  z
    .strictObject({
      service: z.string(),
      policy: z.string().describe('The policy as copied onto the alert when it was raised: later edits of the policy do not change it.'),
      step: z.number().int().min(1).describe('The last step fired, 1-based.'),
      of: z.number().int().min(1),
      pass: z.number().int().min(1),
      passes: z.number().int().min(1).describe('`repeat` + 1.'),
      paged: z
        .array(z.strictObject({ person: z.string(), via: z.string().describe('The schedule they are on call for, or `person` when the step names them.') }))
        .describe('Whom the step paged.'),
      nobody_on_call: z.array(z.string()).describe('The step’s schedules with nobody on call when it fired.'),
      ended: z.enum(['unacknowledged', 'nobody_on_call']).nullable().describe('Why escalation is over: every step ran unacknowledged, or a whole pass found nobody on call. Null while it goes on.'),
    })
    .meta({ id: 'AlertEscalation', description: 'An alert’s escalation through its service’s policy.' }),
);

export const alertSchema = bodyOf<AlertDto>()(
  z
    .strictObject({
      id: z.guid(),
      tenant_id: z.string(),
      number: z.number().int().min(1).describe('Per-tenant number, as people write it in Slack (`#42`).'),
      status: z.enum(ALERT_STATUSES),
      severity: z.enum(SEVERITIES),
      message: z.string(),
      rule_name: z.string().nullable(),
      source: z.string().max(255).nullable().describe('The system that raised the alert, as the caller named it (`billing-api`); null when not named. Free text: never trusted.'),
      origin: z
        .enum(ALERT_ORIGINS)
        .describe(
          'How Klaxon received the alert, set by the server from the route: `slack` (the gateway, `POST /slack/alert`), `api` (`POST /alert`), `alertmanager`. Only `slack` text is shown in Slack as Slack markup; any other is escaped.',
        ),
      dedup_key: z.string().nullable(),
      covered_by: z
        .guid()
        .nullable()
        .describe(
          'The summary alert this one was recorded under (more new Alertmanager alerts than the summary threshold): it pages nobody itself, and acknowledging or resolving the summary does the same to it.',
        ),
      targets: z.array(alertTargetSchema),
      channel_labels: channelLabels,
      slack: z
        .strictObject({ channel_id: z.string().nullable(), user_id: z.string().nullable() })
        .nullable()
        .describe('Where the alert was raised in Slack; null when it came from elsewhere.'),
      escalation: alertEscalationSchema.nullable().optional().describe('Raised for a service: where its escalation policy stands. Null for an alert raised for named targets only.'),
      created_at: timestamp('When the alert was raised.'),
      acknowledged_at: z.iso.datetime().nullable().describe('When it was acknowledged; null until then.'),
      acknowledged_by: z.string().nullable().describe('`slack:U123` for a Slack user, otherwise what the caller named.'),
      resolved_at: z.iso.datetime().nullable().describe('When it was resolved; null until then.'),
      resolved_by: z.string().nullable(),
    })
    .meta({ id: 'Alert', description: 'An alert as the backend returns it.' }),
);

export const alertListSchema = bodyOf<AlertListDto>()(
  z
    .strictObject({
      alerts: z.array(alertSchema).describe('Newest first.'),
      next_cursor: z.string().nullable().describe('Pass as `cursor` for the next (older) page; null on the last page.'),
    })
    .meta({ id: 'AlertList' }),
);

// Not through bodyOf: AlertEventDto is a union keyed by kind with each kind's data typed in contracts
// (alert-event.ts); the document lists the kinds and leaves a kind's data an object.
const alertEventSchema = z
  .strictObject({
    id: z.number().int(),
    kind: z.enum(ALERT_EVENT_KINDS as [AlertEventKind, ...AlertEventKind[]]).describe('What happened: `created`, `acknowledged`, `resolved`, `escalated`, `escalation.step`, `escalation.exhausted` (a service’s policy), `notification.*`, `pagerduty.*`'),
    actor: z.string().nullable().describe('`slack:U123` for a Slack user, otherwise what the API caller named (or `api`, `system`).'),
    note: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).describe('Details that depend on the kind.'),
    at: timestamp('When it happened.'),
  })
  .meta({ id: 'AlertEvent', description: 'One entry of an alert’s audit trail.' });

export const alertEventsSchema = z.strictObject({ alert_id: z.guid(), events: z.array(alertEventSchema).describe('Oldest first.') }).meta({ id: 'AlertEvents' });

export const alertStatsSchema = bodyOf<AlertStatsDto>()(
  z
    .strictObject({
      tenant_id: z.string(),
      total: count(),
      triggered: count(),
      acknowledged: count(),
      resolved: count(),
      by_severity: z.strictObject({ low: count(), medium: count(), high: count(), critical: count() }),
      mean_time_to_acknowledge_seconds: z.number().min(0).nullable().describe('Over acknowledged alerts; null when none.'),
      mean_time_to_resolve_seconds: z.number().min(0).nullable().describe('Over resolved alerts; null when none.'),
    })
    .meta({ id: 'AlertStats' }),
);

export const transitionConflictSchema = bodyOf<TransitionConflictBody>()(
  errorBody(z.literal('invalid_transition'), {
    current: z.strictObject({ status: z.enum(ALERT_STATUSES), by: z.string().nullable(), at: timestamp('When the alert reached its current status.') }),
  }).meta({ id: 'TransitionConflict', description: 'A refused transition: the alert’s current status, who put it there and when. Nothing was changed.' }),
);
