import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { describeChannels, SEVERITY_EMOJI, SLACK_ACTIONS, slackUserOfActor, type AlertDto, type AlertTargetDto } from '@klaxon/contracts';

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
  const title = `${SEVERITY_EMOJI[alert.severity]} #${alert.number} ${alert.severity.toUpperCase()}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: messageText(alert) } },
  ];
  if (alert.targets.length) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: alert.targets.map(targetLine).join('\n') } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: statusLine(alert, now) }] });
  const buttons = buttonsFor(alert);
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'klaxon_actions', elements: buttons } satisfies ActionsBlock);
  return { text: `${title}: ${alert.message} (${alert.status})`, blocks };
}

// Text from /alert arrives already in Slack's escaped form (mentions as <@U…>, & < > as entities), so it is
// shown as is; text from the API or Alertmanager is raw and is escaped.
function messageText(alert: AlertDto): string {
  return alert.source === 'slack' ? alert.message : escapeMrkdwn(alert.message);
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

function targetLine(target: AlertTargetDto): string {
  const who = target.slack_user_id ? `<@${target.slack_user_id}>` : escapeMrkdwn(target.name ?? target.phone ?? 'a phone number');
  if (target.status === 'paging') return `• ${who}: ${describeChannels(target.channels)}`;
  return `• ${who}: not paged (${escapeMrkdwn(target.reason ?? 'no phone number')})`;
}

function actorText(actor: string | null): string {
  if (actor === null) return 'someone';
  const userId = slackUserOfActor(actor);
  return userId ? `<@${userId}>` : escapeMrkdwn(actor);
}

/**
 * `<!date^…>` makes each reader's Slack show the time in their own time zone; the fallback after `|`
 * (UTC) is for clients that cannot. Today shows the time only, older moments the date too.
 */
function slackDate(iso: string | null, now: Date): string {
  const at = new Date(iso ?? now.toISOString());
  const unix = Math.floor(at.getTime() / 1000);
  const sameDay = at.toISOString().slice(0, 10) === now.toISOString().slice(0, 10);
  const format = sameDay ? 'at {time}' : 'on {date_short} at {time}';
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${unix}^${format}|${fallback}>`;
}

// Slack's mrkdwn treats &, < and > as control characters; text from people and APIs must not inject links or mentions.
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
