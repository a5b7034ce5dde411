export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const DEFAULT_SEVERITY: Severity = 'high';

export const ALERT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * Where Klaxon received an alert, decided by the server from the route that took it, never by the caller:
 * `slack` only through the gateway's private `POST /slack/alert`. Only `slack` text is Slack markup.
 */
export const ALERT_ORIGINS = ['slack', 'api', 'alertmanager'] as const;
export type AlertOrigin = (typeof ALERT_ORIGINS)[number];

/**
 * The channels Klaxon ships with. The channels a backend pages on are the ones its registry holds (a provider
 * room registers them, one line in backend.ts), so on the wire a channel is any name a backend registers: these
 * are the ones you will meet, `slack` being the alert's own room rather than a way to reach a person.
 */
export const KNOWN_CHANNELS = ['whatsapp', 'sms', 'voice', 'email', 'slack'] as const;
export type KnownChannel = (typeof KNOWN_CHANNELS)[number];
/** A channel's name: one of KNOWN_CHANNELS or another the backend registers (`string & {}` keeps the known names as hints). */
export type Channel = KnownChannel | (string & {});
/** A channel a person accepts (`channels` of a contact): any registered channel but the alert's room. */
export type ContactChannel = Channel;

/** What a person accepts until they say otherwise: WhatsApp first (read on a lock screen), a call that wakes, SMS as the fallback; email is opt-in. */
export const DEFAULT_CONTACT_CHANNELS: readonly ContactChannel[] = ['whatsapp', 'voice', 'sms'];

/** `paging`: at least one channel will try; `unreachable`: nothing can reach this target, `reason` says why. */
export const TARGET_STATUSES = ['paging', 'unreachable'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

export interface AlertTargetDto {
  slack_user_id: string | null;
  /** Display name when known (contacts or Slack profile). */
  name: string | null;
  /** E.164, masked (`+1 ******0123`). */
  phone: string | null;
  /** Masked (`j***@example.com`); null when the person has none. */
  email: string | null;
  status: TargetStatus;
  /** What pages this target now (the policy applied to what the person accepts). */
  channels: Channel[];
  reason: string | null;
  /**
   * The first page waited for the end of the person's quiet hours: every channel in `channels` went (or goes)
   * out at `until` (ISO), which reads best in `time_zone`, theirs. Null when the page went at once.
   */
  held: HeldPageDto | null;
  /** What reached the person, as the provider reported it (Twilio status callbacks); the furthest per channel. */
  receipts: DeliveryReceiptDto[];
}

export interface HeldPageDto {
  until: string;
  time_zone: string;
}

/**
 * What a provider said became of a page: `delivered`/`read` (a message), `answered` (a person took the call),
 * `voicemail` (a machine did: not reached), or how it failed.
 */
export const RECEIPT_STATUSES = ['sent', 'delivered', 'read', 'undelivered', 'failed', 'ringing', 'answered', 'voicemail', 'busy', 'no-answer'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];
export interface DeliveryReceiptDto {
  channel: Channel;
  status: ReceiptStatus;
  at: string;
}

/** An alert as the backend returns it over HTTP (JSON field names are snake_case on the wire). */
export interface AlertDto {
  id: string;
  tenant_id: string;
  number: number;
  status: AlertStatus;
  severity: Severity;
  message: string;
  rule_name: string | null;
  /** The system that raised the alert, as the caller named it (`billing-api`, `db-1.prod`); null when not named. */
  source: string | null;
  /** How Klaxon received it (set by the server): `slack`, `api` or `alertmanager`. */
  origin: AlertOrigin;
  dedup_key: string | null;
  /** The summary alert this one was recorded under (an Alertmanager storm): it pages nobody and moves with it. */
  covered_by: string | null;
  targets: AlertTargetDto[];
  /**
   * How people read each channel this backend pages on (`{"whatsapp": "WhatsApp", "voice": "call"}`): the labels
   * its channels declare, so a client shows a channel it has never heard of. Absent from older backends: then
   * CHANNEL_LABELS, else the channel's name (see channelLabel).
   */
  channel_labels?: Record<string, string>;
  slack: { channel_id: string | null; user_id: string | null } | null;
  /**
   * Raised for a service: where its escalation policy stands, the last step fired and whom it reached. Null for
   * an alert raised for named targets only; absent from older backends.
   */
  escalation?: AlertEscalationDto | null;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

export interface AlertEscalationDto {
  service: string;
  policy: string;
  /** The last step fired: step `step` of `of`, pass `pass` of `passes`. */
  step: number;
  of: number;
  pass: number;
  passes: number;
  /** Whom it paged: `via` is the schedule they are on call for, or `person` when the step names them. */
  paged: Array<{ person: string; via: string }>;
  /** The step's schedules that had nobody on call. */
  nobody_on_call: string[];
  /** Why escalation is over (`unacknowledged`, `nobody_on_call`); null while it goes on. */
  ended: 'unacknowledged' | 'nobody_on_call' | null;
}

export interface AlertListDto {
  alerts: AlertDto[];
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  next_cursor: string | null;
}

export interface AlertStatsDto {
  tenant_id: string;
  total: number;
  triggered: number;
  acknowledged: number;
  resolved: number;
  by_severity: Record<Severity, number>;
  /** Mean seconds from creation to acknowledgement over acknowledged alerts; null when none. */
  mean_time_to_acknowledge_seconds: number | null;
  /** Mean seconds from creation to resolution over resolved alerts; null when none. */
  mean_time_to_resolve_seconds: number | null;
}

/** The 409 body of a refused transition: who put the alert where it is, and when. */
export interface TransitionConflictBody {
  error: 'invalid_transition';
  detail: string;
  current: { status: AlertStatus; by: string | null; at: string };
}

export const CONTACT_SOURCES = ['self', 'import', 'slack'] as const;
export type ContactSource = (typeof CONTACT_SOURCES)[number];

/** A quiet period in the contact's time zone, `HH:MM` 24-hour; `start` after `end` wraps midnight. */
export interface QuietHoursDto {
  start: string;
  end: string;
}

export interface ContactDto {
  tenant_id: string;
  slack_user_id: string;
  name: string | null;
  /** E.164, masked; null when the person gave none (the Slack profile number may still be used). */
  phone: string | null;
  /** Masked (`j***@example.com`). */
  email: string | null;
  /** The channels the person accepts. */
  channels: ContactChannel[];
  /**
   * How people read each channel this backend pages on (`{"whatsapp": "WhatsApp", "voice": "call"}`): the labels
   * its channels declare, so a client shows a channel it has never heard of. Absent from older backends: then
   * CHANNEL_LABELS, else the channel's name (see channelLabel).
   */
  channel_labels?: Record<string, string>;
  /** IANA name (`Europe/Berlin`). */
  time_zone: string | null;
  quiet_hours: QuietHoursDto | null;
  /** Who wrote the phone number. */
  source: ContactSource;
  /** A number the person gave through Slack (`/alert phone`) that waits for its code: pages still use `phone`. */
  pending_phone: PendingPhoneDto | null;
  updated_at: string;
}

/**
 * A person's own number as `/alert phone` shows it: the one pages use now, and the one waiting for its code.
 * Numbers are masked.
 */
export interface PhoneStatusDto {
  tenant_id: string;
  slack_user_id: string;
  /** The stored number pages use; null when none is stored (the Slack profile number may still be used). */
  phone: string | null;
  /** A number given through Slack that pages nobody until its code is typed; null when none waits. */
  pending: PendingPhoneDto | null;
}

export interface PendingPhoneDto {
  phone: string;
  /** The channel the code went out on. */
  channel: string;
  expires_at: string;
  attempts_left: number;
  /** False once the code expired or its attempts are used up: only a new code helps then. */
  usable: boolean;
}

/** The columns of a contact directory CSV (import and export), in this order on export. */
export const CONTACT_CSV_COLUMNS = ['slack_user_id', 'name', 'phone', 'email', 'channels', 'time_zone'] as const;
export type ContactCsvColumn = (typeof CONTACT_CSV_COLUMNS)[number];

/** One refused line of a contact import: the file's line (header = 1), the column when one is to blame, why. */
export interface ContactImportErrorDto {
  line: number;
  column: ContactCsvColumn | null;
  reason: string;
}

/** The answer of `POST /contacts/import`: what happened (or, on a dry run, would happen) to every data row. */
export interface ContactImportDto {
  tenant_id: string;
  dry_run: boolean;
  /** Data rows read (the header and blank lines not counted). */
  rows: number;
  /** Rows written: new contacts or changed ones. */
  imported: number;
  /** Valid rows equal to what is stored: nothing to write. */
  unchanged: number;
  /** Valid rows left alone because the person set their number themselves (`overwrite=self` replaces it). */
  kept_self: number;
  /** Rows refused; each has at least one entry in `errors`. */
  skipped: number;
  /** The first 1,000 problems, by line. */
  errors: ContactImportErrorDto[];
}

// Slack ids are upper-case alphanumerics starting with a type letter (U, W for users; T, E for teams; C, G, D for channels).
export const SLACK_USER_ID_PATTERN = /^[UW][A-Z0-9]{2,}$/;
/** A Slack user group (`S0614TZR7`): a mention of it in `/alert` pages the service linked to it. */
export const SLACK_USERGROUP_ID_PATTERN = /^S[A-Z0-9]{2,}$/;

/** The actor string of a Slack user, and back: one spelling everywhere. */
export const slackActor = (userId: string): string => `slack:${userId}`;

/**
 * The Slack user an actor names, or null. An API caller writes the actor as it likes, so only a well-formed user
 * id after `slack:` is one: anything else would become a broken `<@…>` token when shown as a mention.
 */
export function slackUserOfActor(actor: string | null): string | null {
  const userId = actor?.startsWith('slack:') ? actor.slice('slack:'.length) : null;
  return userId !== null && SLACK_USER_ID_PATTERN.test(userId) ? userId : null;
}

/** action_id of the channel message's buttons; their `value` is the alert's UUID. */
export const SLACK_ACTIONS = { acknowledge: 'klaxon_acknowledge', resolve: 'klaxon_resolve' } as const;

/** What became of one channel's test page: the provider accepted it, refused it, or the person has no address for it. */
export const TEST_PAGE_OUTCOMES = ['sent', 'failed', 'no_address'] as const;
export type TestPageOutcome = (typeof TEST_PAGE_OUTCOMES)[number];

export interface TestPageResultDto {
  channel: Channel;
  /** Masked. */
  to: string | null;
  outcome: TestPageOutcome;
  provider_message_id: string | null;
  detail: string | null;
}

/** `POST /test-pages`: per channel what happened; `reason` when the person could not be paged at all. */
export interface TestPagesDto {
  tenant_id: string;
  slack_user_id: string;
  reason: string | null;
  results: TestPageResultDto[];
  /**
   * How people read each channel this backend pages on (`{"whatsapp": "WhatsApp", "voice": "call"}`): the labels
   * its channels declare, so a client shows a channel it has never heard of. Absent from older backends: then
   * CHANNEL_LABELS, else the channel's name (see channelLabel).
   */
  channel_labels?: Record<string, string>;
}
