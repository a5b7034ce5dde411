import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { sameSecret } from '../constant-time';

/** How long a code stays good: long enough to find the phone, short enough that a stray one soon dies. */
export const CODE_TTL_MS = 10 * 60_000;
/** Wrong codes allowed per code; a six-digit code guessed in five tries is a one-in-200,000 chance. */
export const MAX_CODE_ATTEMPTS = 5;
/** At most one code per contact this often, so `/alert phone` cannot be used to flood a stranger's phone. */
export const RESEND_INTERVAL_MS = 30_000;
/** And at most this many codes per contact in a window, which bounds a patient flood too. */
export const MAX_SENDS_PER_WINDOW = 5;
export const SEND_WINDOW_MS = 60 * 60_000;

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
  sentAt: Date;
  sendsInWindow: number;
  windowStartedAt: Date;
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

/** How long until another code may be sent to this contact; 0 when one may go now. */
export function resendWaitMs(pending: Pick<PendingPhone, 'sentAt' | 'sendsInWindow' | 'windowStartedAt'> | null, now: Date): number {
  if (!pending) return 0;
  const nextByInterval = pending.sentAt.getTime() + RESEND_INTERVAL_MS;
  const windowEnds = pending.windowStartedAt.getTime() + SEND_WINDOW_MS;
  const nextByWindow = pending.sendsInWindow >= MAX_SENDS_PER_WINDOW && windowEnds > now.getTime() ? windowEnds : 0;
  return Math.max(0, nextByInterval - now.getTime(), nextByWindow - now.getTime());
}

/** The text the code goes out in: short, says what it is for and for how long. */
export function codeText(code: string, tenantId: string): string {
  return `Klaxon: your code is ${code}. It confirms this number for pages from ${tenantId}. Expires in ${CODE_TTL_MS / 60_000} minutes.`;
}
