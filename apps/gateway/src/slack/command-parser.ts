import {
  ALERT_STATUSES,
  canonicalTimeZone,
  DEFAULT_SEVERITY,
  SEVERITIES,
  SLACK_USER_ID_PATTERN,
  type AlertStatus,
  type ContactChannel,
  type QuietHoursDto,
  type Severity,
  SLUG_PATTERN,
  SLACK_USERGROUP_ID_PATTERN,
  VERIFICATION_CODE_PATTERN,
  durationMilliseconds,
  formatDuration,
  parseDuration,
} from '@klaxon/contracts';

export type TransitionKind = 'acknowledge' | 'resolve';

/** A change `/alert prefs` makes: the channels, or the quiet hours (null: off) with an optional time zone. */
export type PrefsChange = { channels: ContactChannel[] } | { quietHours: QuietHoursDto | null; timeZone: string | null };

/**
 * A service paged from Slack: a mention of the user group linked to it (`<!subteam^S0PAY|@payments-oncall>`, with
 * the handle Slack showed), or the word form `service:payments` for workspaces without user groups.
 */
export type ServiceRef = { usergroup: string; handle: string | null } | { name: string };

export type AlertCommand =
  | { kind: 'page'; userIds: string[]; service: ServiceRef | null; severity: Severity; message: string }
  | { kind: TransitionKind; number: number; note: string | null }
  /** `status: null` means every open alert (triggered and acknowledged). */
  | { kind: 'list'; status: AlertStatus | null }
  | { kind: 'status'; number: number }
  | { kind: 'phone-show' }
  | { kind: 'phone-set'; phone: string }
  /** `/alert phone verify 123456`: the code Klaxon sent to the number the person gave. */
  | { kind: 'phone-verify'; code: string }
  | { kind: 'email-show' }
  | { kind: 'email-set'; email: string }
  | { kind: 'prefs-show' }
  | { kind: 'prefs-set'; change: PrefsChange }
  /** A page marked TEST to the caller on each channel they accept (`/alert test`). */
  | { kind: 'test' }
  /** Who is on call now: for every service, or the service or schedule named. */
  | { kind: 'oncall'; name: string | null }
  /** `/alert maintenance`: every service's maintenance windows, current and upcoming. */
  | { kind: 'maintenance-list' }
  /** `/alert maintenance payments 2h deploying`: the service is in maintenance from now for `duration`. */
  | { kind: 'maintenance-start'; service: string; durationMs: number; duration: string; reason: string | null }
  /** `/alert maintenance payments end`: ends the service's current window now. */
  | { kind: 'maintenance-end'; service: string }
  | { kind: 'help'; problem: string | null };

export type AlertCommandKind = AlertCommand['kind'];

// Slack escapes a picked user as <@U123> or <@U123|name> when the command has "Escape channels, users, and links" on.
const MENTION = new RegExp(`^<@(${SLACK_USER_ID_PATTERN.source.slice(1, -1)})(?:\\|[^>]*)?>$`);
// Slack escapes a picked user group as <!subteam^S123> or <!subteam^S123|@handle>.
const USERGROUP = new RegExp(`^<!subteam\\^(${SLACK_USERGROUP_ID_PATTERN.source.slice(1, -1)})(?:\\|([^>]*))?>$`);
// `service:payments`: a service by name, where the workspace has no user groups.
const SERVICE_WORD = new RegExp(`^service:(${SLUG_PATTERN.source.slice(1, -1)})$`, 'i');
// A mention's display part may hold spaces, so a `<…>` group is one token even when a space sits inside it.
const TOKEN = /<[^<>]*>|[^\s<]+|</g;
// Alert numbers are per-tenant serials; ten digits is far beyond any tenant and keeps the value a safe integer.
const ALERT_NUMBER = /^#?([1-9][0-9]{0,9})$/;
const KEYWORDS: Record<string, 'acknowledge' | 'resolve' | 'list' | 'status' | 'phone' | 'email' | 'prefs' | 'test' | 'oncall' | 'maintenance' | 'help'> = {
  ack: 'acknowledge',
  acknowledge: 'acknowledge',
  resolve: 'resolve',
  list: 'list',
  status: 'status',
  phone: 'phone',
  email: 'email',
  prefs: 'prefs',
  test: 'test',
  oncall: 'oncall',
  maintenance: 'maintenance',
  help: 'help',
};

// What people type for each channel: `call` and `text` are how most people say voice and SMS.
const CHANNEL_WORDS: Record<string, ContactChannel> = { whatsapp: 'whatsapp', sms: 'sms', text: 'sms', voice: 'voice', call: 'voice', email: 'email' };
const CHANNEL_CHOICES = '`whatsapp`, `sms` (or `text`), `voice` (or `call`) and `email`';
const CHANNELS_EXAMPLE = '`/alert prefs channels whatsapp,voice,email`';
const QUIET_EXAMPLE = '`/alert prefs quiet 22:00-07:00 Europe/Berlin`';
const PREFS_USAGE = `\`/alert prefs\` shows how Klaxon may reach you; change it with ${CHANNELS_EXAMPLE}, ${QUIET_EXAMPLE} or \`/alert prefs quiet off\`.`;
// `22:00-07:00`, `7:00 – 9:30`, `22:00 to 07:00`, then an optional time zone.
const QUIET_RANGE = /^(\d{1,2}):(\d{2})\s*(?:-|–|—|to)\s*(\d{1,2}):(\d{2})(?:\s+(\S+))?$/i;

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
  if (MENTION.test(first.text) || serviceOf(first.text)) return parsePage(text, tokens);

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
      if (tokens[1]?.text.toLowerCase() === 'verify') return parsePhoneVerify(rest(2));
      const phone = unwrapPhoneLink(rest(1));
      return phone ? { kind: 'phone-set', phone } : { kind: 'phone-show' };
    }
    case 'email':
      return parseEmail(tokens, rest(1));
    case 'prefs':
      return parsePrefs(tokens[1]?.text.toLowerCase(), rest(2));
    case 'test':
      if (tokens.length > 1) return help('`/alert test` takes nothing after it: it sends you a TEST page on each channel you accept.');
      return { kind: 'test' };
    case 'oncall':
      return parseOnCall(tokens[1]?.text, tokens.length);
    case 'maintenance':
      return parseMaintenance(tokens, rest(3));
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

/** A user group mention or `service:name`; null for any other word. */
function serviceOf(word: string): ServiceRef | null {
  const group = USERGROUP.exec(word);
  if (group) return { usergroup: group[1]!, handle: group[2] ?? null };
  const named = SERVICE_WORD.exec(word);
  return named ? { name: named[1]!.toLowerCase() } : null;
}

const sameService = (a: ServiceRef, b: ServiceRef): boolean => ('name' in a && 'name' in b ? a.name === b.name : 'usergroup' in a && 'usergroup' in b && a.usergroup === b.usergroup);

function parsePage(text: string, tokens: Token[]): AlertCommand {
  const userIds: string[] = [];
  let service: ServiceRef | null = null;
  let severity: Severity | null = null;
  let index = 0;
  for (; index < tokens.length; index++) {
    const word = tokens[index]!.text;
    const mention = MENTION.exec(word);
    if (mention) {
      if (!userIds.includes(mention[1]!)) userIds.push(mention[1]!);
      continue;
    }
    const named = serviceOf(word);
    if (named) {
      // One alert escalates through one policy: a second service is a second alert.
      if (service && !sameService(service, named)) return help('Page one service per alert (a user group or `service:name`); run `/alert` again for another.');
      service = named;
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
  return { kind: 'page', userIds, service, severity: severity ?? DEFAULT_SEVERITY, message };
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

const ONCALL_EXAMPLE = '`/alert oncall payments`';

// Names are lower-case slugs; people capitalise them (`Payments`) or put a `#` or `@` before them out of habit.
const slugOf = (name: string): string => name.replace(/^[#@]/, '').toLowerCase();

function parseOnCall(name: string | undefined, tokenCount: number): AlertCommand {
  if (name === undefined) return { kind: 'oncall', name: null };
  const slug = slugOf(name);
  if (tokenCount > 2 || !SLUG_PATTERN.test(slug)) {
    return help(`\`/alert oncall\` takes at most one name, of a service or a schedule (letters, digits and dashes), e.g. ${ONCALL_EXAMPLE}; alone it shows every service.`);
  }
  return { kind: 'oncall', name: slug };
}

const MAINTENANCE_USAGE =
  '`/alert maintenance payments 2h deploying` puts a service in maintenance for a while (its alerts page nobody), `/alert maintenance payments end` ends it early, and `/alert maintenance` lists the windows.';

function parseMaintenance(tokens: Token[], reason: string): AlertCommand {
  const [, name, length] = tokens.map((token) => token.text);
  if (name === undefined) return { kind: 'maintenance-list' };
  const service = slugOf(name);
  if (!SLUG_PATTERN.test(service)) return help(`\`${clip(name)}\` is not a service name (letters, digits and dashes). ${MAINTENANCE_USAGE}`);
  if (length === undefined) return help(`Say for how long, e.g. \`/alert maintenance ${service} 2h deploying\`. ${MAINTENANCE_USAGE}`);
  if (length.toLowerCase() === 'end') {
    if (tokens.length > 3) return help(`\`/alert maintenance ${service} end\` takes nothing after it.`);
    return { kind: 'maintenance-end', service };
  }
  const parsed = parseDuration(length.toLowerCase());
  if (!parsed.ok) return help(`\`${clip(length)}\` is not a length of time (${parsed.reason}). ${MAINTENANCE_USAGE}`);
  return { kind: 'maintenance-start', service, durationMs: durationMilliseconds(parsed.duration), duration: formatDuration(parsed.duration), reason: reason || null };
}

function parseEmail(tokens: Token[], address: string): AlertCommand {
  if (!address) return { kind: 'email-show' };
  const email = unwrapMailtoLink(address);
  if (tokens.length > 2 || !/^[^\s@]+@[^\s@]+$/.test(email)) {
    return help(`\`${clip(address)}\` is not an email address; write just the address, e.g. \`/alert email you@example.com\`.`);
  }
  return { kind: 'email-set', email };
}

function parsePrefs(what: string | undefined, rest: string): AlertCommand {
  switch (what) {
    case undefined:
      return { kind: 'prefs-show' };
    case 'channels':
    case 'channel':
      return parseChannels(rest);
    case 'quiet':
      return parseQuiet(rest);
    default:
      return help(`I don't know \`/alert prefs ${clip(what)}\`. ${PREFS_USAGE}`);
  }
}

function parseChannels(list: string): AlertCommand {
  const words = list.split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return help(`Say which channels may page you, from ${CHANNEL_CHOICES}, e.g. ${CHANNELS_EXAMPLE}.`);
  const channels: ContactChannel[] = [];
  for (const word of words) {
    const channel = CHANNEL_WORDS[word.toLowerCase()];
    if (!channel) return help(`I don't know the channel \`${clip(word)}\`. Choose from ${CHANNEL_CHOICES}, e.g. ${CHANNELS_EXAMPLE}.`);
    if (!channels.includes(channel)) channels.push(channel);
  }
  return { kind: 'prefs-set', change: { channels } };
}

function parseQuiet(spec: string): AlertCommand {
  if (/^(off|none|no)$/i.test(spec)) return { kind: 'prefs-set', change: { quietHours: null, timeZone: null } };
  const range = QUIET_RANGE.exec(spec);
  if (!range) {
    const given = spec ? ` (\`${clip(spec)}\` is not one)` : '';
    return help(`Give quiet hours as start-end in 24-hour time${given} and your time zone, e.g. ${QUIET_EXAMPLE}; \`/alert prefs quiet off\` turns them off.`);
  }
  const [, startHour, startMinute, endHour, endMinute, zone] = range;
  const start = timeOfDay(startHour!, startMinute!);
  const end = timeOfDay(endHour!, endMinute!);
  if (!start || !end) return help(`Times run from 00:00 to 23:59, e.g. ${QUIET_EXAMPLE}.`);
  if (start === end) return help(`Quiet hours need different start and end times, e.g. ${QUIET_EXAMPLE}; \`/alert prefs quiet off\` turns them off.`);
  const timeZone = zone === undefined ? null : canonicalTimeZone(zone);
  if (zone !== undefined && timeZone === null) {
    return help(`\`${clip(zone)}\` is not a time zone I know. Use its IANA name, such as \`Europe/Berlin\`, \`America/New_York\` or \`UTC\`: ${QUIET_EXAMPLE}.`);
  }
  return { kind: 'prefs-set', change: { quietHours: { start, end }, timeZone } };
}

/** `7`, `30` → `07:30`; null when it is no time of day. */
function timeOfDay(hour: string, minute: string): string | null {
  if (Number(hour) > 23 || Number(minute) > 59) return null;
  return `${hour.padStart(2, '0')}:${minute}`;
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

const VERIFY_EXAMPLE = '`/alert phone verify 123456`';

// The code as people copy it from a text: `123456` or `123 456`. The code itself is never echoed back.
function parsePhoneVerify(text: string): AlertCommand {
  if (!text) return help(`Type the six-digit code Klaxon sent to your new number: ${VERIFY_EXAMPLE}.`);
  const code = text.replace(/[\s-]/g, '');
  if (!VERIFICATION_CODE_PATTERN.test(code)) return help(`That is not a code: it is the six digits Klaxon sent to your new number, e.g. ${VERIFY_EXAMPLE}.`);
  return { kind: 'phone-verify', code };
}

// With escaping on, Slack may send a number it recognised as a link: <tel:+442079460958|+44 20 7946 0958>.
function unwrapPhoneLink(text: string): string {
  const link = /^<tel:([^|>]*)(?:\|([^>]*))?>$/.exec(text);
  return link ? (link[2] ?? link[1] ?? '').trim() : text;
}

// With escaping on, Slack sends an address it recognised as a link: <mailto:jane@example.com|jane@example.com>.
function unwrapMailtoLink(text: string): string {
  const link = /^<mailto:([^|>]*)(?:\|([^>]*))?>$/.exec(text);
  return link ? (link[2] ?? link[1] ?? '').trim() : text;
}

function clip(word: string): string {
  const plain = word.replace(/`/g, "'");
  return plain.length > 30 ? `${plain.slice(0, 30)}…` : plain;
}

function help(problem: string | null): AlertCommand {
  return { kind: 'help', problem };
}
