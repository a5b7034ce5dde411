import { cutText } from '@klaxon/contracts';
import type { AlertAction } from '../alerts/alert-state';
import type { PagedAlert } from './paged-alerts.repository';
import { replyHandle } from '../channels/page-text';

/**
 * How far back a reply without a number ("ack") reaches: only a page sent this recently can be what the
 * person is answering. Older pages, and anything already acknowledged, must be named ("ack 42-K7").
 */
export const BARE_REPLY_WINDOW_MS = 60 * 60_000;

/** Choices listed in a refusal; more would not read on a lock screen. */
const MAX_CHOICES = 3;

/** What a reply asks: move the alert (acknowledge, resolve), or pass it on to the next escalation step now. */
export type ReplyAction = AlertAction | 'pass';

/** What a person typed back: the action, and the alert as they named it (number, and the page's code). */
export interface PhoneReply {
  action: ReplyAction;
  /** The word the choices repeat back: `ack`, `resolve` or `pass`. */
  word: 'ack' | 'resolve' | 'pass';
  number: number | null;
  /** Upper-cased, as the page printed it. */
  code: string | null;
}

// `ack`, `ack 42`, `ack #42`, `ack 42-K7`, `Ack 42 k7.`, `pass 42-K7`: what a person types back on a phone at 3 a.m.
// Phones turn `-` into a dash, and people leave it out.
const REPLY = /^\s*(ack|acknowledge|resolve|pass)\s*(?:#?\s*(\d{1,9})(?:\s*[-‐–—]?\s*([a-z0-9]{2}))?)?\s*[.!]?\s*$/i;

export function parsePhoneReply(body: string): PhoneReply | null {
  const match = REPLY.exec(body);
  if (!match) return null;
  const typed = match[1]!.toLowerCase();
  const word = typed === 'acknowledge' ? 'ack' : (typed as PhoneReply['word']);
  return {
    action: word === 'ack' ? 'acknowledge' : word,
    word,
    number: match[2] === undefined ? null : Number(match[2]),
    code: match[3]?.toUpperCase() ?? null,
  };
}

/** Act on this alert (the state machine still has its say), or answer with this text and change nothing. */
export type ReplyDecision = { act: PagedAlert } | { refuse: string };

/**
 * Which alert a reply acts on, among those pages went to its number for (newest page first). It never guesses
 * between tenants: a number and code name one alert; a number alone acts only when one open alert of that
 * number was paged here; a bare reply only when one triggered alert was paged here within
 * BARE_REPLY_WINDOW_MS. Otherwise it is refused with the choices to type.
 */
export function decideReply(reply: PhoneReply, paged: readonly PagedAlert[], now: Date): ReplyDecision {
  const open = paged.filter((p) => p.status !== 'resolved');
  if (reply.number === null) {
    const waiting = open.filter((p) => p.status === 'triggered' && now.getTime() - p.sentAt.getTime() <= BARE_REPLY_WINDOW_MS);
    if (waiting.length === 1) return { act: waiting[0]! };
    if (paged.length === 0) return { refuse: 'Sorry, this number was not paged for any alert, so it cannot act on one.' };
    if (waiting.length > 1) return { refuse: `Klaxon: ${waiting.length} alerts paged to this number in the last hour are waiting. Name one: ${choices(reply, waiting)}.` };
    const none = `Klaxon: no alert paged to this number in the last hour is waiting for "${reply.word}" alone.`;
    return { refuse: open.length > 0 ? `${none} Name one: ${choices(reply, open)}.` : `${none} None paged to it is open any more.` };
  }
  const named = reply.code === null ? `#${reply.number}` : `#${reply.number}-${reply.code}`;
  const sameNumber = paged.filter((p) => p.number === reply.number);
  const matching = sameNumber.filter((p) => reply.code === null || p.replyCode === reply.code);
  const openMatching = matching.filter((p) => p.status !== 'resolved');
  if (openMatching.length === 1) return { act: openMatching[0]! };
  // Resolved alerts cannot change: acting on one only gets the state machine's "already resolved".
  if (openMatching.length === 0 && matching.length > 0) return { act: matching[0]! };
  if (matching.length === 0) {
    const openSameNumber = sameNumber.filter((p) => p.status !== 'resolved');
    const hint = openSameNumber.length > 0 ? `Reply ${choices(reply, openSameNumber)}.` : `Use Slack: /alert ${reply.word} ${reply.number}`;
    return { refuse: `Sorry, this number was not paged for ${named}, so it cannot act on it. ${hint}` };
  }
  if (reply.code !== null) {
    return { refuse: `Klaxon: ${named} names ${openMatching.length} open alerts paged to this number, so Klaxon cannot tell which. Use Slack: /alert ${reply.word} ${reply.number} in the right workspace.` };
  }
  return { refuse: `Klaxon: ${named} was paged to this number by ${openMatching.length} workspaces. Reply ${choices(reply, openMatching)}.` };
}

/** `"ack 1-K7" (checkout down) or "ack 1-P3" (disk full)`: what to type for each, and a few words to tell them apart. */
function choices(reply: PhoneReply, alerts: readonly PagedAlert[]): string {
  const listed = alerts.slice(0, MAX_CHOICES).map((alert) => `"${reply.word} ${replyHandle(alert)}" (${cutText(alert.message.replace(/\s+/g, ' ').trim(), 40)})`);
  const more = alerts.length > MAX_CHOICES ? `, or one of ${alerts.length - MAX_CHOICES} more in Slack` : '';
  const last = listed.pop()!;
  return `${listed.length > 0 ? `${listed.join(', ')} or ` : ''}${last}${more}`;
}
