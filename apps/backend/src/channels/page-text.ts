import { cutText } from '@klaxon/contracts';
import type { MessageAlert } from './channel';

type PageAlert = Pick<MessageAlert, 'number' | 'severity' | 'message' | 'inSlack' | 'test'>;

/**
 * What Twilio accepts, in UTF-16 code units (its count, and JS string length). Over these a page is refused
 * for good (21617 for a body, 32018 for inline TwiML), so every text is built to fit: the number and how to
 * acknowledge always survive, only the message is cut.
 */
export const TWILIO_LIMITS = { messageBody: 1600, templateVariable: 1024, twiml: 4000 } as const;

/** `head + message + tail`, the message cut with "…" so that the whole is at most `max` code units. */
export function framed(head: string, message: string, tail: string, max: number): string {
  return `${head}${cutText(message, Math.max(0, max - head.length - tail.length))}${tail}`;
}

/**
 * How a reply names the alert: its number and its code (`42-K7`). The number alone is the tenant's, and one
 * phone can be paged for #42 by two workspaces.
 */
export function replyHandle(alert: Pick<MessageAlert, 'number' | 'replyCode'>): string {
  return `${alert.number}-${alert.replyCode}`;
}

/** The written page (WhatsApp body, SMS): short enough to read on a lock screen, says how to acknowledge. */
export function pageText(alert: PageAlert & Pick<MessageAlert, 'replyCode'>, { replies = false }: { replies?: boolean } = {}): string {
  if (alert.test) return framed('🧪 Klaxon TEST page: ', alert.message, ' Nothing to acknowledge.', TWILIO_LIMITS.messageBody);
  const head = `🚨 Klaxon #${alert.number} ${alert.severity.toUpperCase()}: `;
  const inSlack = alert.inSlack ? ` or run /alert ack ${alert.number} in Slack` : '';
  const tail = replies
    ? ` — reply "ack ${replyHandle(alert)}"${inSlack}`
    : alert.inSlack
      ? ` — reply in Slack or run /alert ack ${alert.number}`
      : ` — acknowledge #${alert.number} where it was raised`;
  return framed(head, alert.message, tail, TWILIO_LIMITS.messageBody);
}

/** Placeholders of the approved WhatsApp template: {{1}} number, {{2}} severity, {{3}} message. */
export function pageTemplateVariables(alert: PageAlert): Record<string, string> {
  return { '1': `#${alert.number}`, '2': alert.severity.toUpperCase(), '3': cutText(alert.message, TWILIO_LIMITS.templateVariable) };
}

/**
 * What the voice call says; spoken twice, so someone woken by the first words still hears it all.
 * `maxMessage` cuts the message (the call's TwiML has a limit, see voiceTwiml); the rest is always said.
 */
export function pageSpeech(alert: PageAlert, maxMessage = Number.POSITIVE_INFINITY, { keypress = false }: { keypress?: boolean } = {}): string {
  const message = cutText(alert.message.trim().replace(/[.!?]+$/, ''), maxMessage);
  const sentence = message.endsWith('…') ? message : `${message}.`;
  if (alert.test) return `This is a Klaxon test page. ${sentence} Nothing to acknowledge.`;
  const how = keypress
    ? 'Press 1 to acknowledge, press 2 to pass it to the next person.'
    : alert.inSlack
      ? `To acknowledge, run slash alert ack ${alert.number} in Slack.`
      : `To acknowledge, acknowledge alert ${alert.number} where it was raised.`;
  return `Klaxon alert number ${alert.number}, severity ${alert.severity}: ${sentence} ${how}`;
}

/** The escalation notice in the alert's Slack channel: who was paged, for how long, and what to do. */
export function channelReminderText(alert: Omit<PageAlert, 'inSlack' | 'test'> & Pick<MessageAlert, 'createdAt' | 'paged'>, now: Date): string {
  const minutes = Math.max(1, Math.round((now.getTime() - alert.createdAt.getTime()) / 60_000));
  // Slack user ids only (validated when raised), never the message: nothing in it is the caller's text.
  const paged = alert.paged.map((userId) => `<@${userId}>`).join(', ') || 'the on-call';
  return `⏰ #${alert.number} (${alert.severity}) is still not acknowledged after ${minutes} min — ${paged} paged. Can someone take it? \`/alert ack ${alert.number}\``;
}
