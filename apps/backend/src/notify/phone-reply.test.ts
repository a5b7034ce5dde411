import type { PagedAlert } from './paged-alerts.repository';
import { BARE_REPLY_WINDOW_MS, decideReply, parsePhoneReply, type PhoneReply } from './phone-reply';

describe('parsePhoneReply', () => {
  it.each([
    ['ack', { action: 'acknowledge', word: 'ack', number: null, code: null }],
    [' Acknowledge! ', { action: 'acknowledge', word: 'ack', number: null, code: null }],
    ['ack 42', { action: 'acknowledge', word: 'ack', number: 42, code: null }],
    ['ack #42.', { action: 'acknowledge', word: 'ack', number: 42, code: null }],
    ['ack 42-K7', { action: 'acknowledge', word: 'ack', number: 42, code: 'K7' }],
    ['ACK 42–k7', { action: 'acknowledge', word: 'ack', number: 42, code: 'K7' }],
    ['ack 42 k7', { action: 'acknowledge', word: 'ack', number: 42, code: 'K7' }],
    ['ack #42k7', { action: 'acknowledge', word: 'ack', number: 42, code: 'K7' }],
    ['ack 4237', { action: 'acknowledge', word: 'ack', number: 4237, code: null }],
    ['resolve 7-P3', { action: 'resolve', word: 'resolve', number: 7, code: 'P3' }],
    ['pass 42-K7', { action: 'pass', word: 'pass', number: 42, code: 'K7' }],
    ['Pass #42 k7.', { action: 'pass', word: 'pass', number: 42, code: 'K7' }],
    ['pass', { action: 'pass', word: 'pass', number: null, code: null }],
  ])('reads %j', (body, reply) => {
    expect(parsePhoneReply(body)).toEqual(reply);
  });

  it.each(['', 'ok', 'ack 42-K', 'ack 42-K7X', 'ack K7', 'ack 42 please', 'stop 42', 'ack -1', 'pass on 42', 'passed 42'])('does not understand %j', (body) => {
    expect(parsePhoneReply(body)).toBeNull();
  });
});

const NOW = new Date('2026-12-07T03:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
let ids = 0;
const paged = (fields: Partial<PagedAlert> & Pick<PagedAlert, 'number' | 'replyCode'>): PagedAlert => ({
  alertId: `alert-${++ids}`,
  tenantId: `T${ids}`,
  status: 'triggered',
  message: `alert ${ids}`,
  slackUserId: null,
  sentAt: minutesAgo(1),
  round: 0,
  ...fields,
});
const ack = (number: number | null = null, code: string | null = null): PhoneReply => ({ action: 'acknowledge', word: 'ack', number, code });

describe('decideReply', () => {
  const checkout = paged({ number: 1, replyCode: 'K7', message: 'checkout\n  down' });
  const disk = paged({ number: 1, replyCode: 'P3', message: 'disk full' });

  it('acts on the alert a number and code name, among several of that number', () => {
    expect(decideReply(ack(1, 'P3'), [checkout, disk], NOW)).toEqual({ act: disk });
  });

  it('refuses a number two tenants paged, listing what to type', () => {
    expect(decideReply(ack(1), [checkout, disk], NOW)).toEqual({ refuse: 'Klaxon: #1 was paged to this number by 2 workspaces. Reply "ack 1-K7" (checkout down) or "ack 1-P3" (disk full).' });
  });

  it('acts on a number alone when one open alert of it was paged here, resolved ones aside', () => {
    const resolved = { ...disk, status: 'resolved' as const };
    expect(decideReply(ack(1), [resolved, checkout], NOW)).toEqual({ act: checkout });
  });

  it('lets the state machine answer for a number whose alerts are all resolved', () => {
    const resolved = { ...disk, status: 'resolved' as const };
    expect(decideReply(ack(1), [resolved], NOW)).toEqual({ act: resolved });
  });

  it('refuses a code no alert paged here carries, naming the codes that are', () => {
    expect(decideReply(ack(1, 'ZZ'), [checkout], NOW)).toEqual({ refuse: 'Sorry, this number was not paged for #1-ZZ, so it cannot act on it. Reply "ack 1-K7" (checkout down).' });
    expect(decideReply(ack(2), [checkout], NOW)).toEqual({ refuse: 'Sorry, this number was not paged for #2, so it cannot act on it. Use Slack: /alert ack 2' });
  });

  it('refuses, never guesses, when one code names two open alerts', () => {
    const twin = paged({ number: 1, replyCode: 'K7' });
    expect(decideReply(ack(1, 'K7'), [checkout, twin], NOW)).toEqual({ refuse: 'Klaxon: #1-K7 names 2 open alerts paged to this number, so Klaxon cannot tell which. Use Slack: /alert ack 1 in the right workspace.' });
  });

  it('acts on a bare reply only for the one triggered alert paged within the window', () => {
    const acknowledged = paged({ number: 3, replyCode: 'AB', status: 'acknowledged', message: 'seen' });
    const old = paged({ number: 4, replyCode: 'CD', message: 'old', sentAt: new Date(NOW.getTime() - BARE_REPLY_WINDOW_MS - 1) });
    const recent = paged({ number: 5, replyCode: 'EF', sentAt: new Date(NOW.getTime() - BARE_REPLY_WINDOW_MS) });
    expect(decideReply(ack(), [acknowledged, recent, old], NOW)).toEqual({ act: recent });
    expect(decideReply(ack(), [acknowledged, old], NOW)).toEqual({ refuse: 'Klaxon: no alert paged to this number in the last hour is waiting for "ack" alone. Name one: "ack 3-AB" (seen) or "ack 4-CD" (old).' });
    expect(decideReply(ack(), [{ ...old, status: 'resolved' }], NOW)).toEqual({ refuse: 'Klaxon: no alert paged to this number in the last hour is waiting for "ack" alone. None paged to it is open any more.' });
    expect(decideReply(ack(), [], NOW)).toEqual({ refuse: 'Sorry, this number was not paged for any alert, so it cannot act on one.' });
  });

  it('lists at most three choices, the newest first, and says how many more', () => {
    const five = [1, 2, 3, 4, 5].map((n) => paged({ number: n, replyCode: 'XY', message: `m${n}` }));
    expect(decideReply({ action: 'resolve', word: 'resolve', number: null, code: null }, five, NOW)).toEqual({
      refuse: 'Klaxon: 5 alerts paged to this number in the last hour are waiting. Name one: "resolve 1-XY" (m1), "resolve 2-XY" (m2) or "resolve 3-XY" (m3), or one of 2 more in Slack.',
    });
  });
});
