import type { AlertOrigin, Channel, ContactChannel, Severity, TargetStatus } from './alert';

// The audit trail of an alert as `GET /alerts/:id/events` serves it: one data shape per kind, so the backend
// cannot write a kind's data wrong and the gateway cannot read it wrong. Field names are the wire's (snake_case).

/** The event actions of PagerDuty's Events API v2 Klaxon sends, in the order an alert can need them. */
export const PAGERDUTY_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type PagerDutyAction = (typeof PAGERDUTY_ACTIONS)[number];

/** The data of a kind that carries none (`{}`): who and the note say it all. */
export type NoEventData = Record<string, never>;

export interface CreatedEventData {
  severity: Severity;
  source: string | null;
  origin: AlertOrigin;
  /** Each target as it was resolved when the alert was raised. */
  targets: Array<{ slack_user_id: string | null; status: TargetStatus; reason: string | null }>;
}

export interface EscalatedEventData {
  round: number;
  /** The channels the round pages on (empty for a round that only tells the alert's channel). */
  channels: ContactChannel[];
  tell_channel: boolean;
  /** The round had channels to page on but nobody paged accepts any of them: escalation stops. */
  nobody_to_page: boolean;
  /** Deliveries the round queued. */
  deliveries: number;
}

/** Someone a policy step paged, and why: `via` is the schedule they are on call for, or `person` when the step names them. */
export interface EscalationPagedDto {
  person: string;
  via: string;
}

/** A step of the service's escalation policy fired (`escalation.step`): whom it paged, and the schedules with nobody on call. */
export interface EscalationStepEventData {
  service: string;
  policy: string;
  /** Steps fired before this one over all passes (0 for the raise's step 1). */
  round: number;
  /** 1-based: step `step` of `of`, in pass `pass` of `passes` (`repeat` + 1). */
  step: number;
  of: number;
  pass: number;
  passes: number;
  paged: EscalationPagedDto[];
  nobody_on_call: string[];
}

/**
 * The policy ran out (`escalation.exhausted`): every step of every pass fired and nobody acknowledged (the channel
 * is told), or a whole pass of steps in a row found nobody on call (told once, never looped).
 */
export interface EscalationExhaustedEventData {
  service: string;
  reason: 'unacknowledged' | 'nobody_on_call';
}

/** What every event about one page says: which delivery, on which channel, to whom. */
export interface DeliveryEventData {
  delivery_id: string;
  channel: Channel;
  /** The address as it may be shown: a number or email address masked, a Slack channel id as it is. */
  to: string;
  slack_user_id: string | null;
  /** 0 for the raise's pages, then the escalation round that planned it. */
  round: number;
  /** Send attempts so far (0 before the first). */
  attempt: number;
}

/**
 * Why a page waits: the person's quiet hours (`detail` says until when in their zone), or the number reached
 * PAGE_LIMIT_PER_RECIPIENT (`count` pages in `window_ms`; it goes out when there is room).
 */
export type HeldEventDetails =
  | { reason: 'quiet_hours'; detail: string; until: string }
  | { reason: 'recipient_limit'; detail: string; until: string; count: number; limit: number; window_ms: number };

/** Per kind of page event, what it adds to DeliveryEventData. */
export interface DeliveryEventDetails {
  /** The provider accepted the page; `recorded_by: 'sweeper'` when it was recorded after its lease ran out. */
  'notification.sent': { provider_id: string; recorded_by?: 'sweeper' };
  'notification.held': HeldEventDetails;
  /** Not sent: the alert was acknowledged or resolved first. */
  'notification.cancelled': { detail: string | null };
  /** The provider's word (`delivered`, `read`, `busy`…; null for an answering machine verdict alone) and who answered a call. */
  'notification.status': { status: string | null; answered_by: string | null; error_code: string | null };
  'notification.retrying': { code: string | null; detail: string; next_attempt_at: string };
  'notification.failed': { code: string | null; detail: string; permanent: boolean };
  /** A page queued on this event's channel because the page on `from` failed for good (`reason`: its code). */
  'notification.fallback': { from: Channel; reason: string | null };
}
export type DeliveryEventKind = keyof DeliveryEventDetails;

export interface PagerDutyEventData {
  action: PagerDutyAction;
  /** PagerDuty's HTTP status; null when it did not answer. */
  status: number | null;
  attempts: number;
}

/** Every kind of audit event and the shape of its `data`. */
export type AlertEventDataByKind = {
  created: CreatedEventData;
  acknowledged: NoEventData;
  resolved: NoEventData;
  escalated: EscalatedEventData;
  'escalation.step': EscalationStepEventData;
  'escalation.exhausted': EscalationExhaustedEventData;
  'pagerduty.sent': PagerDutyEventData;
  'pagerduty.retrying': PagerDutyEventData & { error: string };
  'pagerduty.failed': PagerDutyEventData & { error: string };
} & { [K in DeliveryEventKind]: DeliveryEventData & DeliveryEventDetails[K] };

export type AlertEventKind = keyof AlertEventDataByKind;
export type AlertEventData<K extends AlertEventKind = AlertEventKind> = AlertEventDataByKind[K];

// A record, not a list: the compiler refuses it until it names every kind, and only kinds.
const KINDS: { readonly [K in AlertEventKind]: true } = {
  created: true,
  acknowledged: true,
  resolved: true,
  escalated: true,
  'escalation.step': true,
  'escalation.exhausted': true,
  'notification.sent': true,
  'notification.held': true,
  'notification.cancelled': true,
  'notification.status': true,
  'notification.retrying': true,
  'notification.failed': true,
  'notification.fallback': true,
  'pagerduty.sent': true,
  'pagerduty.retrying': true,
  'pagerduty.failed': true,
};
export const ALERT_EVENT_KINDS = Object.keys(KINDS) as readonly AlertEventKind[];

/** Whether a kind read off the wire is one this build knows (a newer backend may write kinds an older gateway does not). */
export function isAlertEventKind(kind: string): kind is AlertEventKind {
  return Object.hasOwn(KINDS, kind);
}

/** One entry of an alert's audit trail, its `data` shaped by its `kind` (a union over the kinds by default). */
export type AlertEventDto<K extends AlertEventKind = AlertEventKind> = {
  [P in K]: {
    id: number;
    kind: P;
    /** `slack:U123` for a Slack user, otherwise what the API caller named (or `api`, `system`). */
    actor: string | null;
    note: string | null;
    data: AlertEventData<P>;
    at: string;
  };
}[K];

export interface AlertEventsDto {
  alert_id: string;
  events: AlertEventDto[];
}
