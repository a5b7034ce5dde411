import type { AlertDto } from '@klaxon/contracts';

export const HELP_TEXT = [
  '*Klaxon* pages people on their phones until someone acknowledges.',
  '• `/alert @jane critical checkout is down` — page one or more people (severity: low, medium, high (default), critical)',
  '• `/alert help` — this message',
].join('\n');

export function helpMessage(problem: string | null): string {
  return problem ? `${problem}\n\n${HELP_TEXT}` : HELP_TEXT;
}

const mention = (userId: string) => `<@${userId}>`;

export function pagingStarted(userIds: string[]): string {
  return `⏳ Raising an alert for ${userIds.map(mention).join(', ')}…`;
}

export function alertRaised(alert: AlertDto): string {
  const people = alert.targets.map((t) => (t.slack_user_id ? mention(t.slack_user_id) : 'a phone number')).join(', ');
  return `🚨 #${alert.number} (${alert.severity}) raised: paging ${people} — “${alert.message}”`;
}

export function nothingPaged(reason: string): string {
  return `❌ Nothing was paged: ${reason}. Try again in a minute; if it keeps failing, phone the person directly and tell #ops that Klaxon is down.`;
}
