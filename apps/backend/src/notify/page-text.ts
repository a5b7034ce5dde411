import type { MessageAlert } from './channels/channel';

type PageAlert = Pick<MessageAlert, 'number' | 'severity' | 'message'>;

/** The written page (WhatsApp body, SMS): short enough to read on a lock screen, says how to acknowledge. */
export function pageText(alert: PageAlert): string {
  return `🚨 Klaxon #${alert.number} ${alert.severity.toUpperCase()}: ${alert.message} — reply in Slack or run /alert ack ${alert.number}`;
}

/** Placeholders of the approved WhatsApp template: {{1}} number, {{2}} severity, {{3}} message. */
export function pageTemplateVariables(alert: PageAlert): Record<string, string> {
  return { '1': `#${alert.number}`, '2': alert.severity.toUpperCase(), '3': alert.message };
}

/** What the voice call says; spoken twice, so someone woken by the first words still hears it all. */
export function pageSpeech(alert: PageAlert): string {
  const message = alert.message.trim().replace(/[.!?]+$/, '');
  return `Klaxon alert number ${alert.number}, severity ${alert.severity}: ${message}.`;
}

/** The escalation notice in the alert's Slack channel: who was paged, for how long, and what to do. */
export function channelReminderText(alert: PageAlert & Pick<MessageAlert, 'createdAt' | 'paged'>, now: Date): string {
  const minutes = Math.max(1, Math.round((now.getTime() - alert.createdAt.getTime()) / 60_000));
  const paged = alert.paged.map((userId) => `<@${userId}>`).join(', ') || 'the on-call';
  return `⏰ #${alert.number} (${alert.severity}) is still not acknowledged after ${minutes} min — ${paged} paged. Can someone take it? \`/alert ack ${alert.number}\``;
}
