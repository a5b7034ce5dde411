import { DEFAULT_SEVERITY, SEVERITIES, SLACK_USER_ID_PATTERN, type Severity } from '@klaxon/contracts';

export type AlertCommand =
  | { kind: 'page'; userIds: string[]; severity: Severity; message: string }
  | { kind: 'help'; problem: string | null };

// Slack escapes mentions in command text as <@U123> or <@U123|name> (with "Escape channels, users and links" on).
const MENTION = new RegExp(`^<@(${SLACK_USER_ID_PATTERN.source.slice(1, -1)})(?:\\|[^>]*)?>$`);

/**
 * Reads `/alert <@U1> [<@U2>…] [severity] message`. Pure: the same text always gives the same command,
 * and no input throws — anything it cannot read becomes help with the reason.
 */
export function parseAlertCommand(text: string): AlertCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || (words.length === 1 && words[0]?.toLowerCase() === 'help')) return { kind: 'help', problem: null };

  const userIds: string[] = [];
  let index = 0;
  for (; index < words.length; index++) {
    const match = MENTION.exec(words[index]!);
    if (!match) break;
    if (!userIds.includes(match[1]!)) userIds.push(match[1]!);
  }
  if (userIds.length === 0) {
    return { kind: 'help', problem: 'Start with the people to page, e.g. `/alert @jane critical checkout is down`.' };
  }

  let severity: Severity = DEFAULT_SEVERITY;
  const maybeSeverity = words[index]?.toLowerCase();
  if (maybeSeverity && (SEVERITIES as readonly string[]).includes(maybeSeverity)) {
    severity = maybeSeverity as Severity;
    index++;
  }
  const message = words.slice(index).join(' ');
  if (!message) return { kind: 'help', problem: 'Say what is wrong after the names, e.g. `/alert @jane critical checkout is down`.' };
  return { kind: 'page', userIds, severity, message };
}
