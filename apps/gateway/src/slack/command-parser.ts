import { ALERT_STATUSES, DEFAULT_SEVERITY, SEVERITIES, SLACK_USER_ID_PATTERN, type AlertStatus, type Severity } from '@klaxon/contracts';

export type TransitionKind = 'acknowledge' | 'resolve';

export type AlertCommand =
  | { kind: 'page'; userIds: string[]; severity: Severity; message: string }
  | { kind: TransitionKind; number: number; note: string | null }
  /** `status: null` means every open alert (triggered and acknowledged). */
  | { kind: 'list'; status: AlertStatus | null }
  | { kind: 'status'; number: number }
  | { kind: 'phone-show' }
  | { kind: 'phone-set'; phone: string }
  | { kind: 'help'; problem: string | null };

export type AlertCommandKind = AlertCommand['kind'];

// Slack escapes a picked user as <@U123> or <@U123|name> when the command has "Escape channels, users, and links" on.
const MENTION = new RegExp(`^<@(${SLACK_USER_ID_PATTERN.source.slice(1, -1)})(?:\\|[^>]*)?>$`);
// A mention's display part may hold spaces, so a `<…>` group is one token even when a space sits inside it.
const TOKEN = /<[^<>]*>|[^\s<]+|</g;
// Alert numbers are per-tenant serials; ten digits is far beyond any tenant and keeps the value a safe integer.
const ALERT_NUMBER = /^#?([1-9][0-9]{0,9})$/;
const KEYWORDS: Record<string, 'acknowledge' | 'resolve' | 'list' | 'status' | 'phone' | 'help'> = {
  ack: 'acknowledge',
  acknowledge: 'acknowledge',
  resolve: 'resolve',
  list: 'list',
  status: 'status',
  phone: 'phone',
  help: 'help',
};

const EXAMPLE = '`/alert @jane critical checkout is down`';
const UNESCAPED_MENTION =
  'I got a plain `@name`, not a Slack mention, so I cannot tell who to page. Pick the person from the autocomplete list as you type `@`; ' +
  'if that is what you did, a Slack admin must turn on “Escape channels, users, and links sent to your app” in the `/alert` command settings.';

interface Token {
  text: string;
  start: number;
}

/**
 * Reads every `/alert` form. Pure and total: the same text always gives the same command, and no input
 * throws — anything it cannot read becomes help that says what was wrong.
 *
 * Page grammar: `<mention>… [severity] [<mention>…] message`. The text must start with a mention. The
 * "head" is the longest run of leading tokens that are each a mention or a severity word; at most one
 * severity word may appear in it, anywhere after the first mention. The message is the rest of the text,
 * verbatim from its first word: a severity word or mention inside the message is just text
 * (`@jane disk is critical` pages at the default severity; mentions there are not paged).
 */
export function parseAlertCommand(text: string): AlertCommand {
  const tokens = tokenize(text);
  const first = tokens[0];
  if (!first) return help(null);
  if (MENTION.test(first.text)) return parsePage(text, tokens);

  const keyword = KEYWORDS[first.text.toLowerCase()];
  const rest = (index: number) => restOf(text, tokens, index);
  switch (keyword) {
    case 'acknowledge':
    case 'resolve':
      return parseTransition(keyword, first.text, tokens[1]?.text, rest(2));
    case 'status': {
      const number = alertNumber(tokens[1]?.text);
      if (number === null) return help(`Say which alert, e.g. \`/alert status 42\`.`);
      if (tokens.length > 2) return help('`/alert status` takes only the alert number, e.g. `/alert status 42`.');
      return { kind: 'status', number };
    }
    case 'list':
      return parseList(tokens[1]?.text, tokens.length);
    case 'phone': {
      const phone = unwrapPhoneLink(rest(1));
      return phone ? { kind: 'phone-set', phone } : { kind: 'phone-show' };
    }
    case 'help':
      return help(null);
    default:
      if (/^@\S/.test(first.text)) return help(UNESCAPED_MENTION);
      if (SEVERITIES.includes(first.text.toLowerCase() as Severity)) {
        return help(`Put the people first, then the severity: ${EXAMPLE}.`);
      }
      return help(`I don't know \`${clip(first.text)}\`. To page someone, start with their name: ${EXAMPLE}.`);
  }
}

function parsePage(text: string, tokens: Token[]): AlertCommand {
  const userIds: string[] = [];
  let severity: Severity | null = null;
  let index = 0;
  for (; index < tokens.length; index++) {
    const word = tokens[index]!.text;
    const mention = MENTION.exec(word);
    if (mention) {
      if (!userIds.includes(mention[1]!)) userIds.push(mention[1]!);
      continue;
    }
    const maybeSeverity = word.toLowerCase() as Severity;
    if (!SEVERITIES.includes(maybeSeverity)) break;
    if (severity !== null) return help(`Give one severity, not \`${severity}\` and \`${maybeSeverity}\`: ${EXAMPLE}.`);
    severity = maybeSeverity;
  }
  const next = tokens[index]?.text;
  if (next !== undefined && /^@\S/.test(next)) return help(UNESCAPED_MENTION);
  const message = restOf(text, tokens, index);
  if (!message) return help(`Say what is wrong after the names, e.g. ${EXAMPLE}.`);
  return { kind: 'page', userIds, severity: severity ?? DEFAULT_SEVERITY, message };
}

function parseTransition(kind: TransitionKind, verb: string, numberText: string | undefined, note: string): AlertCommand {
  const number = alertNumber(numberText);
  if (number === null) {
    const given = numberText === undefined ? '' : ` (\`${clip(numberText)}\` is not one)`;
    return help(`Say which alert by its number${given}, e.g. \`/alert ${verb.toLowerCase()} 42 looking into it\`.`);
  }
  return { kind, number, note: note || null };
}

function parseList(filter: string | undefined, tokenCount: number): AlertCommand {
  if (filter === undefined) return { kind: 'list', status: null };
  const status = filter.toLowerCase() as AlertStatus;
  if (!ALERT_STATUSES.includes(status) || tokenCount > 2) {
    return help(`\`/alert list\` shows open alerts; it also takes one of ${ALERT_STATUSES.map((s) => `\`${s}\``).join(', ')}.`);
  }
  return { kind: 'list', status };
}

function tokenize(text: string): Token[] {
  return [...text.matchAll(TOKEN)].map((match) => ({ text: match[0], start: match.index }));
}

/** The original text from token `index` on, so messages and notes keep their own spacing and line breaks. */
function restOf(text: string, tokens: Token[], index: number): string {
  const token = tokens[index];
  return token ? text.slice(token.start).trim() : '';
}

function alertNumber(word: string | undefined): number | null {
  const match = word === undefined ? null : ALERT_NUMBER.exec(word);
  return match ? Number(match[1]) : null;
}

// With escaping on, Slack may send a number it recognised as a link: <tel:+442079460958|+44 20 7946 0958>.
function unwrapPhoneLink(text: string): string {
  const link = /^<tel:([^|>]*)(?:\|([^>]*))?>$/.exec(text);
  return link ? (link[2] ?? link[1] ?? '').trim() : text;
}

function clip(word: string): string {
  const plain = word.replace(/`/g, "'");
  return plain.length > 30 ? `${plain.slice(0, 30)}…` : plain;
}

function help(problem: string | null): AlertCommand {
  return { kind: 'help', problem };
}
