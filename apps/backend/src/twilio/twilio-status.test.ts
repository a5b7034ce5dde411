import { answeredByOf, PROVIDER_STATUS_RANK, receiptsByPerson, receiptStatusOf } from './twilio-status';

const rank = (status: string) => PROVIDER_STATUS_RANK[status]!;

describe('PROVIDER_STATUS_RANK', () => {
  it('orders a message queued → sending → sent → delivered → read, and a call initiated → ringing → in-progress → final', () => {
    const message = ['queued', 'sending', 'sent', 'delivered', 'read'].map(rank);
    expect([...message].sort((a, b) => a - b)).toEqual(message);
    expect(new Set(message).size).toBe(message.length);
    const call = ['initiated', 'ringing', 'in-progress', 'completed'].map(rank);
    expect([...call].sort((a, b) => a - b)).toEqual(call);
  });

  it('lets no final status replace another, and keeps read above a failure (a read message did not fail)', () => {
    for (const final of ['completed', 'busy', 'no-answer', 'failed', 'canceled', 'undelivered']) expect(rank(final)).toBe(rank('failed'));
    expect(rank('read')).toBeGreaterThan(rank('undelivered'));
    expect(rank('undelivered')).toBeGreaterThan(rank('delivered'));
  });
});

describe('receipts', () => {
  it('a machine that answered is voicemail, whatever the call status; answered calls and failures are said plainly', () => {
    expect(receiptStatusOf({ providerStatus: 'completed', answeredBy: 'machine' })).toBe('voicemail');
    expect(receiptStatusOf({ providerStatus: null, answeredBy: 'machine' })).toBe('voicemail');
    expect(receiptStatusOf({ providerStatus: 'in-progress', answeredBy: 'human' })).toBe('answered');
    expect(receiptStatusOf({ providerStatus: 'canceled', answeredBy: null })).toBe('failed');
    expect(receiptStatusOf({ providerStatus: 'queued', answeredBy: null })).toBeNull();
    expect(answeredByOf('machine_end_beep')).toBe('machine');
    expect(answeredByOf('fax')).toBe('machine');
    expect(answeredByOf('human')).toBe('human');
    expect(answeredByOf('unknown')).toBe('unknown');
  });

  it('keeps per person and channel the latest receipt', () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 23, minute));
    const byPerson = receiptsByPerson([
      { channel: 'whatsapp', slackUserId: 'U1', address: '+1', providerStatus: 'delivered', providerStatusAt: at(40), answeredBy: null },
      { channel: 'voice', slackUserId: 'U1', address: '+1', providerStatus: 'in-progress', providerStatusAt: at(42), answeredBy: 'human' },
      { channel: 'whatsapp', slackUserId: 'U1', address: '+1', providerStatus: 'read', providerStatusAt: at(41), answeredBy: null },
      { channel: 'sms', slackUserId: null, address: '+2', providerStatus: 'sent', providerStatusAt: at(43), answeredBy: null },
      { channel: 'sms', slackUserId: null, address: '+3', providerStatus: 'queued', providerStatusAt: at(43), answeredBy: null },
    ]);
    expect(Object.fromEntries(byPerson)).toEqual({
      U1: [
        { channel: 'whatsapp', status: 'read', at: at(41).toISOString() },
        { channel: 'voice', status: 'answered', at: at(42).toISOString() },
      ],
      '+2': [{ channel: 'sms', status: 'sent', at: at(43).toISOString() }],
    });
  });
});
