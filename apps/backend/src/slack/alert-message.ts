import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import {
  cutSlackText,
  cutText,
  describeChannels,
  describeReceipt,
  escalationSummary,
  escapeSlackText,
  SEVERITY_EMOJI,
  SLACK_ACTIONS,
  slackUserOfActor,
  type AlertDto,
  type AlertTargetDto,
} from '@klaxon/contracts';

/**
 * Block Kit's limits (Slack refuses the whole message with `invalid_blocks` over them), and how much of the
 * message the notification fallback shows: a notification is a preview, the blocks carry the rest.
 */
export const SLACK_LIMITS = { sectionText: 3000, headerText: 150, fallbackMessage: 300 } as const;

export interface AlertMessage {
  /** Notification and screen-reader fallback: Slack shows it where blocks cannot be shown. */
  text: string;
  blocks: KnownBlock[];
}

/**
 * The channel message of an alert, posted when it is raised and rewritten (chat.update) on every change.
 * Pure: the same alert and clock give the same message. Buttons follow the life cycle: both while
 * triggered, Resolve only once acknowledged, none once resolved (resolved is final).
 */
export function buildAlertMessage(alert: AlertDto, now: Date): AlertMessage {
  const title = cutText(`${SEVERITY_EMOJI[alert.severity]} #${alert.number} ${alert.severity.toUpperCase()}`, SLACK_LIMITS.headerText);
  const message = slackMessageText(alert);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: cutSlackText(message, SLACK_LIMITS.sectionText) } },
  ];
  // Raised for a service: which step of its policy stands, whom it paged and why.
  if (alert.escalation) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cutSlackText(`🧭 ${escalationSummary(alert.escalation)}`, SLACK_LIMITS.sectionText) }] });
  if (alert.targets.length) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cutSlackText(alert.targets.map((t) => targetLine(t, now, alert.channel_labels)).join('\n'), SLACK_LIMITS.sectionText) } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: statusLine(alert, now) }] });
  const buttons = buttonsFor(alert);
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'klaxon_actions', elements: buttons } satisfies ActionsBlock);
  // The fallback is mrkdwn too (notifications render it): the same escaped text, never the raw message.
  return { text: `${title}: ${cutSlackText(message, SLACK_LIMITS.fallbackMessage)} (${alert.status})`, blocks };
}

/**
 * The message as Slack mrkdwn. Text typed in Slack arrives in Slack's escaped form (mentions as <@U…>, & < >
 * as entities) and is shown as is; any other origin is raw text and is escaped. `origin` is set by the
 * server from the route that received the alert, never by the caller.
 */
export function slackMessageText(alert: Pick<AlertDto, 'origin' | 'message'>): string {
  return alert.origin === 'slack' ? alert.message : escapeSlackText(alert.message);
}

function buttonsFor(alert: AlertDto): Button[] {
  const acknowledge: Button = { type: 'button', action_id: SLACK_ACTIONS.acknowledge, value: alert.id, style: 'primary', text: { type: 'plain_text', text: 'Acknowledge' } };
  const resolve: Button = { type: 'button', action_id: SLACK_ACTIONS.resolve, value: alert.id, style: 'danger', text: { type: 'plain_text', text: 'Resolve' } };
  switch (alert.status) {
    case 'triggered':
      return [acknowledge, resolve];
    case 'acknowledged':
      return [resolve];
    case 'resolved':
      return [];
  }
}

function statusLine(alert: AlertDto, now: Date): string {
  switch (alert.status) {
    case 'triggered':
      return `*Triggered* ${slackDate(alert.created_at, now)}${alert.slack?.user_id ? ` by <@${alert.slack.user_id}>` : ''}`;
    case 'acknowledged':
      return `*Acknowledged* by ${actorText(alert.acknowledged_by)} ${slackDate(alert.acknowledged_at, now)}`;
    case 'resolved':
      return `*Resolved* by ${actorText(alert.resolved_by)} ${slackDate(alert.resolved_at, now)}`;
  }
}

function targetLine(target: AlertTargetDto, now: Date, labels: AlertDto['channel_labels']): string {
  const who = target.slack_user_id ? `<@${target.slack_user_id}>` : escapeSlackText(target.name ?? target.phone ?? 'a phone number');
  if (target.status === 'paging') {
    // What reached them, as Twilio reported it: "WhatsApp read 23:41 · call answered 23:42".
    const reached = target.receipts.map((r) => `${describeReceipt(r, labels)} ${slackTime(r.at, now)}`).join(' · ');
    return `• ${who}: ${describeChannels(target.channels, labels)}${reached ? ` — ${reached}` : ''}`;
  }
  return `• ${who}: not paged (${escapeSlackText(target.reason ?? 'no phone number')})`;
}

function actorText(actor: string | null): string {
  if (actor === null) return 'someone';
  const userId = slackUserOfActor(actor);
  return userId ? `<@${userId}>` : escapeSlackText(actor);
}

/**
 * `<!date^…>` makes each reader's Slack show the time in their own time zone; the fallback after `|`
 * (UTC) is for clients that cannot. Today shows the time only, older moments the date too.
 */
/** A moment as `<!date>` in the reader's zone: the time only (today), with its UTC fallback. */
function slackTime(iso: string, now: Date): string {
  return slackDate(iso, now).replace(/^(<!date\^\d+\^)(?:at |on )/, '$1');
}

function slackDate(iso: string | null, now: Date): string {
  const at = new Date(iso ?? now.toISOString());
  const unix = Math.floor(at.getTime() / 1000);
  const sameDay = at.toISOString().slice(0, 10) === now.toISOString().slice(0, 10);
  const format = sameDay ? 'at {time}' : 'on {date_short} at {time}';
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${unix}^${format}|${fallback}>`;
}
