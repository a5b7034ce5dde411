import { slackToPlain, type Severity } from '@klaxon/contracts';
import type { MessageAlert, OutboundMessage } from '../channels/channel';

export interface PageEmail {
  subject: string;
  text: string;
  html: string;
}

/** Long enough for a message of a few words, short enough for a phone's notification and a mail list's column. */
export const SUBJECT_MAX_CHARS = 100;

const SEVERITY_COLOUR: Record<Severity, string> = { low: '#1d70b8', medium: '#b58105', high: '#d4351c', critical: '#942514' };

/**
 * The email page: a subject that says what and how bad before it is opened, a body (plain text and HTML) with the
 * alert, its number, severity, who raised it, when, and how to acknowledge. Pure: the caller sends it.
 */
export function pageEmail(message: OutboundMessage): PageEmail {
  const { alert } = message;
  const severity = alert.severity.toUpperCase();
  const text = messageText(alert);
  const subject = cut(`${alert.test ? '[Klaxon TEST]' : `[Klaxon #${alert.number} ${severity}]`} ${oneLine(text)}`, SUBJECT_MAX_CHARS);
  const facts: Array<[string, string]> = [
    ['Alert', `#${alert.number}`],
    ['Severity', severity],
    ['Raised by', raiserOf(alert)],
    ['Raised at', `${utc(alert.createdAt)} (${ago(alert.createdAt, message.now)})`],
  ];
  const ack = `/alert ack ${alert.number}`;
  const heading = `Klaxon alert #${alert.number}`;

  const plain = [
    `${heading} (${severity})`,
    '',
    text,
    '',
    ...facts.map(([label, value]) => `${`${label}:`.padEnd(11)}${value}`),
    '',
    alert.test ? 'This is a test page: there is nothing to acknowledge.' : alert.inSlack ? `To acknowledge, run ${ack} in Slack, or press Acknowledge on the alert's message in its channel.` : `To acknowledge, acknowledge alert #${alert.number} where it was raised (${raiserOf(alert)}).`,
    '',
    '-- ',
    'Klaxon paged you because you are on call for this alert.',
  ].join('\n');

  const colour = SEVERITY_COLOUR[alert.severity];
  const html = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; font-size: 15px; color: #0b0c0c;">',
    `<p style="margin: 0 0 12px;"><span style="background: ${colour}; color: #fff; font-weight: bold; padding: 2px 8px; border-radius: 3px;">${severity}</span> <strong>${escapeHtml(heading)}</strong></p>`,
    `<p style="font-size: 18px; margin: 0 0 16px; white-space: pre-wrap;">${escapeHtml(text)}</p>`,
    '<table style="border-collapse: collapse; margin: 0 0 16px;">',
    ...facts.map(([label, value]) => `<tr><th style="text-align: left; padding: 2px 16px 2px 0; color: #505a5f; font-weight: normal;">${escapeHtml(label)}</th><td style="padding: 2px 0;">${escapeHtml(value)}</td></tr>`),
    '</table>',
    alert.test
      ? '<p style="margin: 0 0 16px;">This is a test page: there is nothing to acknowledge.</p>'
      : alert.inSlack
      ? `<p style="margin: 0 0 16px;">To acknowledge, run <code style="background: #f3f2f1; padding: 1px 4px;">${escapeHtml(ack)}</code> in Slack, or press <strong>Acknowledge</strong> on the alert's message in its channel.</p>`
      : `<p style="margin: 0 0 16px;">To acknowledge, acknowledge alert #${alert.number} where it was raised (${escapeHtml(raiserOf(alert))}).</p>`,
    '<p style="color: #505a5f; font-size: 13px; margin: 0;">Klaxon paged you because you are on call for this alert.</p>',
    '</body></html>',
  ].join('\n');

  return { subject, text: plain, html };
}

/** Who raised the alert, for people outside Slack: a mention becomes a name or a user id, no raiser the source. */
export function raiserOf(alert: Pick<MessageAlert, 'raisedBy' | 'origin'>): string {
  if (alert.raisedBy === null || alert.raisedBy.trim() === '') {
    return { slack: 'someone in Slack', api: 'the Klaxon API', alertmanager: 'Alertmanager' }[alert.origin];
  }
  // A mention is the only Slack markup a raiser carries; any other name is shown as it came.
  return /^<@[A-Z0-9]+(\|[^<>]*)?>$/.test(alert.raisedBy) ? slackToPlain(alert.raisedBy) : alert.raisedBy;
}

/** For text inside HTML elements and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// Only text typed in Slack is Slack markup; text from the API or Alertmanager is shown as it came.
function messageText(alert: MessageAlert): string {
  const text = alert.origin === 'slack' ? slackToPlain(alert.message) : alert.message;
  return text.trim() === '' ? '(no message)' : text.trim();
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// Counted in code points, so an emoji is never cut in half.
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

function utc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function ago(at: Date, now: Date): string {
  const minutes = Math.floor((now.getTime() - at.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min ago`;
}
