import {
  escalationStepWords,
  escalationSummary,
  assertNever,
  channelLabel,
  describeChannels,
  describeReceipt,
  escapeSlackText,
  isAlertEventKind,
  SEVERITY_EMOJI,
  slackUserOfActor,
  type AlertDto,
  type AlertEventDto,
  type AlertStatus,
  type AlertTargetDto,
  type Channel,
  type ContactChannel,
  type ContactDto,
  type DeliveryEventKind,
  type MaintenanceDto,
  type OnCallNowDto,
  type OnCallOverviewDto,
  type PhoneStatusDto,
  type TestPageOutcome,
  type TestPagesDto,
  type TransitionConflictBody,
} from '@klaxon/contracts';
import type { AlertCommand, PrefsChange } from './command-parser';
import { relativeTime } from './relative-time';

// Every reply the slash command and the buttons give. Pure text: the listeners decide when to send it.

export const HELP_TEXT = [
  '*Klaxon* pages people on their phones until someone acknowledges.',
  '• `/alert @jane [@sam…] [low|medium|high|critical] message` — page people (severity after the names; default high)',
  '• `/alert @payments-oncall critical db down` — page a service: whoever is on call for it (a Slack user group linked to the service), step by step until someone acknowledges; without user groups write `/alert service:payments critical db down`',
  '• `/alert ack 42 [note]` — acknowledge alert #42: paging stops',
  '• `/alert resolve 42 [note]` — resolve alert #42',
  '• `/alert list [triggered|acknowledged|resolved]` — open alerts, or those in one state',
  '• `/alert status 42` — what happened to #42 so far',
  '• `/alert phone +44 20 7946 0958` — set the number Klaxon pages you on (with the country code); Klaxon texts it a code',
  '• `/alert phone verify 123456` — confirm the number with that code; until you do, pages go to your previous number',
  '• `/alert phone` — show the number Klaxon has for you (and one waiting for its code)',
  '• `/alert email you@example.com` — set the address Klaxon may email you (`/alert email` shows it)',
  '• `/alert prefs` — show how Klaxon may reach you',
  '• `/alert prefs channels whatsapp,voice,email` — choose how you are paged: whatsapp, sms (or text), voice (or call), email',
  '• `/alert test` — send yourself a page marked TEST on each channel you accept, and see what each did',
  '• `/alert prefs quiet 22:00-07:00 Europe/Berlin` — quiet hours: low and medium pages wait till they end (`/alert prefs quiet off` ends them)',
  '• `/alert oncall [name]` — who is on call now for each service (or the service or schedule named), until when, and who is next',
  '• `/alert maintenance payments 2h deploying` — put a service in maintenance: its alerts are recorded and page nobody (`/alert maintenance payments end` ends it, `/alert maintenance` lists)',
  '• `/alert help` — this message',
].join('\n');

export function helpMessage(problem: string | null): string {
  return problem ? `${problem}\n\n${HELP_TEXT}` : HELP_TEXT;
}

/** The immediate ack: Slack needs an answer within 3 s, long before the backend's outcome. */
export function workingOn(command: Exclude<AlertCommand, { kind: 'help' }>): string {
  switch (command.kind) {
    case 'page': {
      const service = command.service === null ? [] : ['name' in command.service ? command.service.name : (command.service.handle ?? 'the user group')];
      return `⏳ Raising an alert for ${[...command.userIds.map(mention), ...service.map(escapeSlackText)].join(', ')}…`;
    }
    case 'acknowledge':
      return `⏳ Acknowledging #${command.number}…`;
    case 'resolve':
      return `⏳ Resolving #${command.number}…`;
    case 'list':
      return '⏳ Looking up alerts…';
    case 'status':
      return `⏳ Looking up #${command.number}…`;
    case 'phone-show':
      return '⏳ Looking up your number…';
    case 'phone-set':
      return '⏳ Sending a code to your number…';
    case 'phone-verify':
      return '⏳ Checking your code…';
    case 'email-show':
      return '⏳ Looking up your email…';
    case 'email-set':
      return '⏳ Saving your email…';
    case 'prefs-show':
      return '⏳ Looking up your settings…';
    case 'prefs-set':
      return '⏳ Saving your settings…';
    case 'test':
      return '⏳ Sending you a TEST page on each channel you accept…';
    case 'oncall':
      return '⏳ Looking up who is on call…';
    case 'maintenance-list':
      return '⏳ Looking up maintenance windows…';
    case 'maintenance-start':
      return `⏳ Putting ${command.service} in maintenance for ${command.duration}…`;
    case 'maintenance-end':
      return `⏳ Ending ${command.service}'s maintenance…`;
  }
}

const TEST_OUTCOME: Record<TestPageOutcome, string> = { sent: '✅ accepted by the provider', failed: '❌ not sent', no_address: '⚪ no address' };

/** `/alert test`: channel by channel, what the TEST page did. No alert was created. */
export function testPagesOutcome(report: TestPagesDto): string {
  if (report.results.length === 0) return `🧪 No TEST page sent: ${escapeSlackText(report.reason ?? 'Klaxon has no way to reach you')}. Set your number with \`/alert phone +44 20 7946 0958\`.`;
  const lines = report.results.map((r) => {
    const where = r.to ? ` to ${r.to}` : '';
    const why = r.outcome === 'failed' && r.detail ? `: ${escapeSlackText(r.detail)}` : r.outcome === 'no_address' ? ' (set one with `/alert phone` or `/alert email`)' : '';
    return `• ${channelLabel(r.channel, report.channel_labels)}${where}: ${TEST_OUTCOME[r.outcome]}${why}`;
  });
  const failed = report.results.filter((r) => r.outcome !== 'sent').length;
  const head = failed === 0 ? '🧪 TEST pages sent on every channel you accept — check they arrived:' : `🧪 TEST pages: ${failed} of ${report.results.length} channels did not go out:`;
  return [head, ...lines, 'No alert was created; nothing to acknowledge.'].join('\n');
}

/** What a page did, person by person, from the targets the backend resolved. */
export function pageOutcome(alert: AlertDto, joinedExisting: boolean): string {
  const paging = alert.targets.filter((t) => t.status === 'paging');
  const unreachable = alert.targets.filter((t) => t.status === 'unreachable');
  const pagingText = joinList(paging.map((t) => `${who(t)} (${describeChannels(t.channels, alert.channel_labels)}${t.held ? `, ${heldText(t.held)}` : ''})`));
  const unreachableText = unreachable.map(whyUnreachable).join('; ');
  const head = joinedExisting
    ? `🔁 Joined the existing open alert #${alert.number} (${alert.status}) instead of raising a new one`
    : `🚨 #${alert.number}`;
  // Raised for a service: who its policy reached and why (slugs and Slack user ids only, nothing free).
  const route = alert.escalation ? `\n🧭 ${escalationSummary(alert.escalation)}` : '';
  if (paging.length === 0) {
    const why = unreachableText || (alert.escalation ? `nobody is on call for ${alert.escalation.service}` : '');
    return (joinedExisting ? `${head}, but nobody can be paged: ${why}` : `⚠️ #${alert.number} was raised but nobody can be paged: ${why}`) + route;
  }
  const verb = joinedExisting ? ': paging' : ' paging';
  return `${head}${verb} ${pagingText}${unreachableText ? `; ${unreachableText}` : ''}${route}`;
}

/** `held until 07:00 Europe/Berlin — quiet hours`: the end of the person's quiet hours, on their clock. */
function heldText(held: NonNullable<AlertTargetDto['held']>): string {
  const at = new Date(held.until);
  const clock = (timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  let shown: string;
  try {
    shown = `${clock(held.time_zone)} ${held.time_zone}`;
  } catch {
    // A zone this runtime does not know (a newer tz database in the backend): UTC is still exact.
    shown = `${clock('UTC')} UTC`;
  }
  return `held until ${shown} — quiet hours`;
}

export function transitioned(alert: AlertDto): string {
  return `✅ #${alert.number} ${alert.status}`;
}

/** A 409: someone got there first. `subject` is `#42`, or a phrase when the number is not known. */
export function alreadyInState(subject: string, current: TransitionConflictBody['current'], now: Date): string {
  const by = current.by ? ` by ${person(current.by)}` : '';
  return `${subject} is already ${current.status}${by} ${relativeTime(current.at, now)}`;
}

export function alertList(alerts: AlertDto[], status: AlertStatus | null, now: Date): string {
  if (alerts.length === 0) return status ? `No ${status} alerts.` : 'No open alerts. 🎉';
  const title = status ? `*${capitalise(status)} alerts*` : '*Open alerts*';
  return [title, ...alerts.flatMap((a) => [`• ${summary(a)} — ${stateLine(a, now)}`, ...receiptLines(a)])].join('\n');
}

/** Per person, what reached them (Twilio's receipts): `◦ @jane: WhatsApp read 23:41 · call answered 23:42`. */
export function receiptLines(alert: AlertDto): string[] {
  return alert.targets
    .filter((t) => t.receipts.length > 0)
    .map((t) => `    ◦ ${who(t)}: ${t.receipts.map((r) => `${describeReceipt(r, alert.channel_labels)} ${clockTime(r.at)}`).join(' · ')}`);
}

/** `<!date>` shows each reader the time in their own zone; the fallback is UTC. */
function clockTime(iso: string): string {
  const at = new Date(iso);
  return `<!date^${Math.floor(at.getTime() / 1000)}^{time}|${at.toISOString().slice(11, 16)} UTC>`;
}

/** `/alert status 42`: the alert, then its audit trail oldest first. */
export function alertTimeline(alert: AlertDto, events: AlertEventDto[], now: Date): string {
  // A kind this gateway does not know yet (a newer backend, mid-deploy) is shown by its name, who and the note.
  const lines = events.map((e) => `• ${relativeTime(e.at, now)}: ${isAlertEventKind(e.kind) ? describeEvent(e, alert.channel_labels) : acted(e.kind, e)}`);
  return [`${summary(alert)} — ${stateLine(alert, now)}`, ...receiptLines(alert), ...(lines.length ? lines : ['• no events recorded'])].join('\n');
}

// ── Verified numbers: `/alert phone`, `/alert phone +…`, `/alert phone verify 123456` ──

const VERIFY_HOW = '`/alert phone verify <code>`';

/** The number pages use now, or where they go without one. */
function currentNumber(status: PhoneStatusDto): string {
  return status.phone ? `at ${status.phone}` : 'at the phone in your Slack profile, if there is one';
}

function waitingLine(pending: NonNullable<PhoneStatusDto['pending']>): string {
  if (!pending.usable) return `The code sent to ${pending.phone} no longer works; ask for a new one with \`/alert phone <number>\`.`;
  return `⏳ Waiting for the code sent to ${pending.phone} — ${VERIFY_HOW}.`;
}

/** `/alert phone`: the number pages use, and the one waiting for its code. */
export function phoneShown(status: PhoneStatusDto): string {
  const now = status.phone
    ? `📱 Klaxon pages you at ${status.phone}. Change it with \`/alert phone <number>\`.`
    : '📱 You have not given Klaxon a number, so it will use the phone in your Slack profile if there is one. Set one with `/alert phone +44 20 7946 0958` (with the country code).';
  return status.pending ? `${now}\n${waitingLine(status.pending)}` : now;
}

/** `/alert phone +…` answered: where the code went and how to confirm, or that the number needed none. */
export function phoneCodeSent(status: PhoneStatusDto, now: Date): string {
  const { pending } = status;
  if (!pending) return `✅ Klaxon already pages you at ${status.phone ?? 'that number'}; there is nothing to confirm.`;
  const minutes = Math.max(1, Math.round((Date.parse(pending.expires_at) - now.getTime()) / 60_000));
  const channel = channelLabel(pending.channel);
  return (
    `📨 A code was sent by ${channel} to ${pending.phone}. Confirm the number with \`/alert phone verify 123456\` (your code, within ${minutes} minutes). ` +
    `Until then Klaxon keeps paging you ${currentNumber(status)}.`
  );
}

export function phoneVerified(status: PhoneStatusDto): string {
  return `✅ Confirmed: Klaxon will page you at ${status.phone ?? 'your new number'}.`;
}

export function phoneCodeRefused(detail: string): string {
  return `❌ Your number was not confirmed: ${detail}.`;
}

export function phoneCodeNotSent(detail: string): string {
  return `❌ No code was sent, so your number was not changed: ${detail}.`;
}

/**
 * The gateway stopped waiting while the backend was still sending the code: it may well arrive, so this never
 * says it failed. Asking again within 30 s for the same number answers with the code already sent.
 */
export function phoneCodeStillSending(): string {
  return (
    '⏳ The code is still on its way: the text provider has not confirmed it yet. Check your phone in a moment and confirm with ' +
    '`/alert phone verify 123456`; if nothing arrives, ask again with `/alert phone <number>` in 30 s.'
  );
}

/** A code refused by a limit: the backend's sentence says which and how long, so no "try again in a minute". */
export function phoneCodeRateLimited(detail: string): string {
  return `⏳ No code was sent, so your number was not changed: ${detail}.`;
}

export function phoneRejected(detail: string): string {
  return `❌ Your number was not saved: ${detail}. Write it with the country code, e.g. \`/alert phone +44 20 7946 0958\`.`;
}

const ADD_EMAIL_CHANNEL = (channels: readonly ContactChannel[]): string => `\`/alert prefs channels ${[...channels, 'email'].join(',')}\``;

/** For a contact with an email (the caller checks). */
export function emailShown(contact: ContactDto): string {
  const use = contact.channels.includes('email')
    ? 'and emails you when you are paged'
    : `but email is not among your channels, so pages do not use it; add it with ${ADD_EMAIL_CHANNEL(contact.channels)}`;
  return `📧 Klaxon has ${contact.email ?? 'no address'} for you ${use}. Change it with \`/alert email <address>\`.`;
}

export function emailSaved(contact: ContactDto): string {
  const next = contact.channels.includes('email') ? '' : ` To be paged by email too, run ${ADD_EMAIL_CHANNEL(contact.channels)}.`;
  return `✅ Saved: your email is ${contact.email ?? 'removed'}.${next}`;
}

export function emailNotSet(): string {
  return '📧 You have not given Klaxon an email address. Set one with `/alert email you@example.com`.';
}

export function emailRejected(detail: string): string {
  return `❌ Your email was not saved: ${detail}. Write just the address, e.g. \`/alert email you@example.com\`.`;
}

/** `/alert prefs`: everything Klaxon knows about reaching the person; `null` when nothing is stored. */
export function prefsShown(contact: ContactDto | null, pending: PhoneStatusDto['pending'] = null): string {
  return [
    '*How Klaxon reaches you*',
    `• Channels: ${contact ? channelList(contact.channels, contact.channel_labels) : 'WhatsApp, call and SMS (the default)'} — change with \`/alert prefs channels whatsapp,voice,email\``,
    `• Phone: ${contact?.phone ?? 'none set, so the one in your Slack profile if there is one'} — \`/alert phone <number>\``,
    // Pages use the number above until the new one is confirmed: both are shown, as `/alert phone` shows them.
    ...(pending ? [`   ${waitingLine(pending)}`] : []),
    `• Email: ${contact?.email ?? 'none set'} — \`/alert email <address>\``,
    `• Quiet hours: ${contact?.quiet_hours ? quietHoursText(contact) : 'none'} — \`/alert prefs quiet 22:00-07:00 Europe/Berlin\` or \`/alert prefs quiet off\``,
  ].join('\n');
}

export function prefsSaved(change: PrefsChange, contact: ContactDto): string {
  if ('channels' in change) return `✅ Saved: Klaxon may page you by ${channelList(contact.channels, contact.channel_labels)}.`;
  if (!contact.quiet_hours) return '✅ Saved: no quiet hours; every page reaches you at once.';
  return `✅ Saved: quiet hours ${quietHoursText(contact)}. Low and medium pages wait until they end; high and critical ones still page you.`;
}

/** A refused `/alert prefs …`: the backend names the field; people get what to type instead. */
export function prefsRejected(detail: string): string {
  if (detail.startsWith('channels: email is listed')) {
    return '❌ Not saved: email is among the channels, but Klaxon has no email address for you. Set one first with `/alert email you@example.com`, then choose the channels again.';
  }
  if (detail.startsWith('time_zone:')) {
    return '❌ Not saved: quiet hours are read in your time zone, and Klaxon does not know yours. Add it, e.g. `/alert prefs quiet 22:00-07:00 Europe/Berlin`.';
  }
  return `❌ Not saved: ${detail}. \`/alert help\` shows how to write it.`;
}

/** The labels come from the backend (`channel_labels`); an older backend's answer falls back to the shipped ones. */
function channelList(channels: readonly Channel[], labels: ContactDto['channel_labels']): string {
  return joinList(channels.map((c) => channelLabel(c, labels)));
}

function quietHoursText(contact: ContactDto): string {
  return `${contact.quiet_hours?.start}–${contact.quiet_hours?.end} (${contact.time_zone ?? 'no time zone'})`;
}

export function alertNotFound(number: number): string {
  return `There is no alert #${number} in this workspace. \`/alert list\` shows the open ones.`;
}

export function nothingPaged(reason: string): string {
  return (
    `❌ Nothing was paged: ${reason}. Try again in a minute; if it keeps failing, ` +
    'phone the person directly and tell #ops that Klaxon is down.'
  );
}

/** Any other command that could not be carried out; `action` reads "acknowledge #42". */
/** Said in the ack itself when the gateway has no room for more work: at once, never after a timeout. */
export function overloaded(command: Exclude<AlertCommand, { kind: 'help' }> | null): string {
  const what = command?.kind === 'page' ? 'Nothing was paged' : 'Nothing was done';
  return `❌ ${what}: Klaxon is overloaded, try again in a few seconds.${command?.kind === 'page' ? ' If it is urgent, phone the person directly.' : ''}`;
}

export function couldNot(action: string, reason: string): string {
  return `❌ Could not ${action}: ${reason}. Try again in a minute.`;
}

export function notPagedRateLimited(reason: string): string {
  return `⏳ Nothing was paged: ${reason}.`;
}

/** The backend's own sentence when it gave one (who hit which limit); a generic one otherwise. */
export function rateLimitedReason(detail: string | null, retryAfterSeconds: number | null): string {
  if (detail) return detail;
  return `Klaxon is receiving too many requests right now${retryAfterSeconds ? ` (it asks to wait ${retryAfterSeconds} s)` : ''}`;
}

export const mention = (userId: string): string => `<@${userId}>`;

/** An actor as people read it: a Slack user becomes a mention, an API caller keeps its name. */
export function person(actor: string | null): string {
  if (actor === null) return 'someone';
  const userId = slackUserOfActor(actor);
  return userId ? mention(userId) : escapeSlackText(actor);
}

// Names, reasons, notes and API messages are not Slack markup: escaped, they show as written and cannot ping.
function who(target: AlertTargetDto): string {
  if (target.slack_user_id) return mention(target.slack_user_id);
  return escapeSlackText(target.name ?? target.phone ?? 'a phone number');
}

function whyUnreachable(target: AlertTargetDto): string {
  const reason = escapeSlackText(target.reason ?? 'has no phone number');
  // Only a Slack user can fix it themselves; a bare number from the API has no one to ask.
  const advice = target.slack_user_id ? ' — ask them to run `/alert phone`' : '';
  return `${who(target)} can't be paged (${reason})${advice}`;
}

function summary(alert: AlertDto): string {
  // Only a page typed in Slack is Slack markup (origin is the backend's word, not the caller's).
  const message = alert.origin === 'slack' ? alert.message : escapeSlackText(alert.message);
  return `${SEVERITY_EMOJI[alert.severity]} *#${alert.number}* ${alert.severity}: ${message}`;
}

function stateLine(alert: AlertDto, now: Date): string {
  switch (alert.status) {
    case 'triggered':
      return `triggered ${relativeTime(alert.created_at, now)}`;
    case 'acknowledged':
      return `acknowledged by ${person(alert.acknowledged_by)} ${relativeTime(alert.acknowledged_at ?? alert.created_at, now)}`;
    case 'resolved':
      return `resolved by ${person(alert.resolved_by)} ${relativeTime(alert.resolved_at ?? alert.created_at, now)}`;
  }
}

/**
 * One line of `/alert status` per event. The switch names every kind of contracts' AlertEventKind and ends in
 * assertNever: a kind added there without its line here fails the build.
 */
function describeEvent(event: AlertEventDto, labels: AlertDto['channel_labels']): string {
  switch (event.kind) {
    case 'created':
      return acted('raised', event);
    case 'acknowledged':
    case 'resolved':
    case 'escalated':
      return acted(event.kind, event);
    case 'notification.sent':
      return paged(event, 'sent', labels);
    case 'notification.failed':
      return paged(event, `failed${codeOf(event.data.code)}`, labels);
    case 'notification.retrying':
      return paged(event, `failed${codeOf(event.data.code)}, retrying`, labels);
    case 'notification.fallback':
      return paged(event, `queued instead (${channelLabel(event.data.from, labels)} could not deliver)`, labels);
    case 'notification.cancelled':
      return paged(event, 'not sent: the alert was already handled', labels);
    case 'notification.status': {
      // Twilio's receipts: `read`, `busy`, `in-progress`, or a call's answering machine verdict alone.
      const { status, answered_by: answeredBy, error_code: errorCode } = event.data;
      return paged(event, answeredBy === 'machine' && status === null ? 'went to voicemail (not reached)' : `reported ${status ?? 'answered'}${errorCode ? ` (error ${errorCode})` : ''}`, labels);
    }
    case 'notification.held':
      // Quiet hours: the backend says until when, in the person's zone. A recipient's limit: its detail names the
      // number (masked), the count and the window; the page goes out when there is room.
      return paged(event, event.data.reason === 'quiet_hours' ? `held ${event.data.detail}` : `held: ${event.data.detail}, to go out when there is room`, labels);
    case 'escalation.step':
      // Slugs and Slack user ids only (validated by the backend): nothing here is free text.
      return `${event.data.service}: ${escalationStepWords(event.data)}`;
    case 'escalation.exhausted':
      return `${event.data.service}: escalation over — ${event.data.reason === 'unacknowledged' ? 'every step ran and nobody acknowledged' : 'a whole pass of steps found nobody on call'}`;
    case 'pagerduty.sent':
      return `PagerDuty ${event.data.action} event sent`;
    case 'pagerduty.retrying':
      // The error quotes PagerDuty's answer: escaped, it cannot ping or link.
      return `PagerDuty ${event.data.action} event failed (${escapeSlackText(event.data.error)}), retrying`;
    case 'pagerduty.failed':
      return `PagerDuty ${event.data.action} event failed: ${escapeSlackText(event.data.error)}`;
    default:
      return assertNever(event);
  }
}

/** `acknowledged by @bob: “note”`: what someone did. */
function acted(verb: string, event: Pick<AlertEventDto, 'actor' | 'note'>): string {
  return `${verb}${event.actor ? ` by ${person(event.actor)}` : ''}${noteOf(event)}`;
}

/** `WhatsApp to @jane failed (63016)`: what became of one page. */
function paged(event: AlertEventDto<DeliveryEventKind>, outcome: string, labels: AlertDto['channel_labels']): string {
  const { channel, slack_user_id: userId, to } = event.data;
  return `${channelLabel(channel, labels)} to ${userId ? mention(userId) : escapeSlackText(to)} ${outcome}${noteOf(event)}`;
}

// Notes are plain text (the gateway sends what was typed in Slack as such): any caller of the backend names the
// actor, so a `slack:` actor says nothing about where a note came from.
const noteOf = (event: Pick<AlertEventDto, 'note'>): string => (event.note ? `: “${escapeSlackText(event.note)}”` : '');

const codeOf = (code: string | null): string => (code ? ` (${code})` : '');

function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

// ── Who is on call: `/alert oncall [name]` ──

/** Per service (or the one named), or per schedule while there are no services: who, until when, who is next. */
export function onCallShown(overview: OnCallOverviewDto, name: string | null): string {
  const { services, schedules } = overview;
  if (services.length === 0 && schedules.length === 0) {
    return '📟 Nobody is on call here yet: this workspace has no services or schedules. They are set up through Klaxon’s API (`PUT /schedules/…`, `PUT /services/…`).';
  }
  const title = name === null ? (services.length > 0 ? '*On call now*' : '*On call now* (no services yet, so by schedule)') : `*On call now for ${name}*`;
  const serviceLines = services.map((service) => {
    const step = service.step > 1 ? ` (step ${service.step}: nobody is on call in the steps before)` : '';
    const targets = service.on_call.map((entry) => onCallEntryText(entry, true)).join('; ') || 'nobody: its escalation policy names no one';
    return `• *${service.name}*${step}: ${targets}`;
  });
  const scheduleLines = schedules.map((entry) => `• *${entry.schedule ?? ''}*: ${onCallEntryText(entry, false)}`);
  return [title, ...serviceLines, ...scheduleLines].join('\n');
}

/** A name `/alert oncall` was given that the workspace has neither as a service nor as a schedule. */
export function onCallUnknown(name: string): string {
  return `There is no service or schedule \`${name}\` in this workspace. \`/alert oncall\` lists the services.`;
}

// ── Maintenance windows: `/alert maintenance …` ──

/** A window just opened. */
export function maintenanceOpened(window: MaintenanceDto): string {
  const why = window.reason ? ` (${escapeSlackText(window.reason)})` : '';
  return `🔧 *${window.service}* is in maintenance until ${slackDateTime(window.end)}${why}: its alerts are recorded and page nobody, and are not paged later. End it early with \`/alert maintenance ${window.service} end\`.`;
}

/** A page for a service in maintenance: recorded, nobody paged, and why. */
export function recordedInMaintenance(alert: Pick<AlertDto, 'number'>, service: { name: string } | { usergroup: string; handle: string | null }): string {
  const named = 'name' in service ? `*${service.name}*` : (service.handle ?? `<!subteam^${service.usergroup}>`);
  return `🔧 #${alert.number} recorded for ${named}, which is in maintenance: nobody was paged, now or when the window ends. \`/alert maintenance\` shows until when.`;
}

/** The windows a `… end` ended (none: the service was not in maintenance). */
export function maintenanceEnded(service: string, ended: readonly MaintenanceDto[]): string {
  if (ended.length === 0) return `*${service}* is not in maintenance: its alerts page as usual. \`/alert maintenance\` lists the windows.`;
  return `✅ *${service}*'s maintenance ended: its alerts page again.`;
}

/** `/alert maintenance`: current windows first, then upcoming ones. */
export function maintenanceList(windows: readonly MaintenanceDto[]): string {
  if (windows.length === 0) return '🔧 No service is in maintenance, and none is planned. `/alert maintenance payments 2h deploying` starts a window.';
  const lines = windows.map((window) => {
    const when = window.active ? `until ${slackDateTime(window.end)}` : `from ${slackDateTime(window.start)} until ${slackDateTime(window.end)}`;
    const by = window.created_by === 'api' ? 'the API' : mention(window.created_by);
    const why = window.reason ? `: ${escapeSlackText(window.reason)}` : '';
    return `• *${window.service}* ${when} (by ${by})${why}`;
  });
  return ['*Maintenance* (alerts for these services page nobody)', ...lines].join('\n');
}

/** A service `/alert maintenance` was given that the workspace does not have. */
export function maintenanceUnknownService(service: string): string {
  return `There is no service \`${service}\` in this workspace. \`/alert oncall\` lists the services.`;
}

/** The backend refused the window (too long, say): its sentence. */
export function maintenanceRefused(detail: string): string {
  return `❌ No maintenance window: ${escapeSlackText(detail)}.`;
}

/** `<@U0ANNA> (payments) until Mon 09:00, then <@U0BEN>`; `nobody on call until …`. */
function onCallEntryText(entry: OnCallNowDto, nameSchedule: boolean): string {
  const who = entry.person ? mention(entry.person) : 'nobody on call';
  const from = nameSchedule && entry.schedule ? ` (${entry.schedule})` : '';
  if (!entry.until || !entry.next) return `${who}${from}`;
  const next = entry.next.person ? mention(entry.next.person) : 'nobody';
  return `${who}${from} until ${slackDateTime(entry.until)}, then ${next}`;
}

/** `<!date>` shows each reader the day and time in their own zone (`Today at 09:00`); the fallback is UTC. */
function slackDateTime(iso: string): string {
  const at = new Date(iso);
  return `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${at.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}
