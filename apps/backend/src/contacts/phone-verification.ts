import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { sameSecret } from '../common/constant-time';

/** How long a code stays good: long enough to find the phone, short enough that a stray one soon dies. */
export const CODE_TTL_MS = 10 * 60_000;
/** Wrong codes allowed per code; a six-digit code guessed in five tries is a one-in-200,000 chance. */
export const MAX_CODE_ATTEMPTS = 5;
/** At most one code per person this often; the same number typed again meanwhile is answered with the code just sent. */
export const RESEND_INTERVAL_MS = 30_000;

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Whose codes a limit counts: one person's (in one tenant), one destination number's (whoever asks, in any
 * tenant), or the whole installation's.
 */
export type CodeSendScope = 'requester' | 'destination' | 'installation';

/** At most `max` codes in any `windowMs` (a sliding window) within the scope. */
export interface CodeSendLimit {
  scope: CodeSendScope;
  max: number;
  windowMs: number;
}

/** Per person: a typo fixed after 30 s, a few numbers tried in an hour; more is not someone setting their own number. */
export const REQUESTER_CODE_LIMITS: readonly CodeSendLimit[] = [
  { scope: 'requester', max: 1, windowMs: RESEND_INTERVAL_MS },
  { scope: 'requester', max: 5, windowMs: HOUR_MS },
];

/**
 * Per destination, whoever asks: a person confirming their own number needs one code, two if the first was
 * slow; so a stranger's phone gets at most 3 unwanted texts an hour and 10 a day, however many people in
 * however many workspaces type its number.
 */
export const DESTINATION_CODE_LIMITS: readonly CodeSendLimit[] = [
  { scope: 'destination', max: 3, windowMs: HOUR_MS },
  { scope: 'destination', max: 10, windowMs: DAY_MS },
];

/** Every limit a code must pass, the installation's (PHONE_CODE_LIMIT_GLOBAL an hour) last. */
export function codeSendLimits(globalPerHour: number): CodeSendLimit[] {
  return [...REQUESTER_CODE_LIMITS, ...DESTINATION_CODE_LIMITS, { scope: 'installation', max: globalPerHour, windowMs: HOUR_MS }];
}

/** The longest window: an older send counts for nothing and is pruned. */
export const CODE_SENDS_KEPT_MS = DAY_MS;

/** The sends within a limit's scope and window: how many, and when the `max`-th latest went (null when fewer). */
export interface RecentCodeSends {
  count: number;
  nthLatest: Date | null;
}

/** How long until `limit` has room for one more code at `now`; 0 when it has room. */
export function waitForRoomMs(limit: CodeSendLimit, recent: RecentCodeSends, now: Date): number {
  if (recent.count < limit.max || !recent.nthLatest) return 0;
  return Math.max(0, recent.nthLatest.getTime() + limit.windowMs - now.getTime());
}

/** A code refused: the limit that holds it back longest, and for how long. */
export interface CodeRefusal {
  limit: CodeSendLimit;
  waitMs: number;
}

/** The refusal among `waits` (each limit with its wait), or null when every limit has room. */
export function refusalOf(waits: readonly CodeRefusal[]): CodeRefusal | null {
  return waits.reduce<CodeRefusal | null>((longest, wait) => (wait.waitMs > (longest?.waitMs ?? 0) ? wait : longest), null);
}

/**
 * Why no code goes now, for the person who asked: which limit and how long. Of a destination's limit it says
 * only that the number had too many codes, never who else asked for them or from which workspace.
 */
export function refusalDetail({ limit, waitMs }: CodeRefusal, shownPhone: string): string {
  const wait = waitText(waitMs);
  switch (limit.scope) {
    case 'requester':
      return limit.windowMs === RESEND_INTERVAL_MS
        ? `a code was sent a moment ago; a new one can be sent in ${wait} (this keeps \`/alert phone\` from flooding a phone)`
        : `you have asked for ${limit.max} codes in the last ${windowText(limit.windowMs)}, the most Klaxon sends for one person; a new one can be sent in ${wait}`;
    case 'destination': {
      const [hourly, daily] = DESTINATION_CODE_LIMITS;
      return `${shownPhone} has had too many codes lately (at most ${hourly?.max} an hour and ${daily?.max} a day, whoever asks); a new one can be sent to it in ${wait}`;
    }
    case 'installation':
      return `Klaxon has sent ${limit.max} codes in the last ${windowText(limit.windowMs)}, the most it sends for everyone together (PHONE_CODE_LIMIT_GLOBAL); a new one can be sent in ${wait}`;
  }
}

/** `30 s`, `58 min`, `5 h`: rounded up, so the wait said is never too short. */
function waitText(ms: number): string {
  if (ms <= 60_000) return `${Math.ceil(ms / 1000)} s`;
  if (ms <= 2 * HOUR_MS) return `${Math.ceil(ms / 60_000)} min`;
  return `${Math.ceil(ms / HOUR_MS)} h`;
}

function windowText(ms: number): string {
  return ms === HOUR_MS ? 'hour' : ms === DAY_MS ? 'day' : waitText(ms);
}

/** What the send log keeps of a destination: its SHA-256, enough to count codes to it. */
export function destinationHash(e164: string): Buffer {
  return createHash('sha256').update(e164).digest();
}

/** A number waiting for its code, as stored: only the salted hash of the code. */
export interface PendingPhone {
  tenantId: string;
  slackUserId: string;
  /** E.164. */
  phone: string;
  channel: string;
  codeSalt: Buffer;
  codeHash: Buffer;
  expiresAt: Date;
  attempts: number;
  /** When its code was sent. */
  sentAt: Date;
}

/** Six random digits, leading zeros kept; from the CSPRNG, never Math.random. */
export function generateCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function hashCode(code: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(code).digest();
}

/** A fresh salt and the code's hash under it: what is stored instead of the code. */
export function sealCode(code: string): { codeSalt: Buffer; codeHash: Buffer } {
  const codeSalt = randomBytes(16);
  return { codeSalt, codeHash: hashCode(code, codeSalt) };
}

export type CodeCheck =
  | { ok: true }
  | { ok: false; reason: 'expired' }
  | { ok: false; reason: 'no_attempts_left' }
  | { ok: false; reason: 'wrong'; attemptsLeft: number };

/**
 * Judges a typed code against the pending number at `now`. Expiry and the attempt limit come first, so a
 * right code is refused once either is reached; a wrong one costs an attempt (the caller records it).
 */
export function checkCode(pending: Pick<PendingPhone, 'codeSalt' | 'codeHash' | 'expiresAt' | 'attempts'>, code: string, now: Date): CodeCheck {
  if (now.getTime() >= pending.expiresAt.getTime()) return { ok: false, reason: 'expired' };
  if (pending.attempts >= MAX_CODE_ATTEMPTS) return { ok: false, reason: 'no_attempts_left' };
  if (sameSecret(hashCode(code, pending.codeSalt), pending.codeHash)) return { ok: true };
  return { ok: false, reason: 'wrong', attemptsLeft: MAX_CODE_ATTEMPTS - pending.attempts - 1 };
}

/** The text the code goes out in: short, says what it is for and for how long. */
export function codeText(code: string, tenantId: string): string {
  return `Klaxon: your code is ${code}. It confirms this number for pages from ${tenantId}. Expires in ${CODE_TTL_MS / 60_000} minutes.`;
}
