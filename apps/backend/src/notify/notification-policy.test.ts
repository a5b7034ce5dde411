import { DateTime } from 'luxon';
import { acceptedChannels, escalates, escalationStep, planPage } from './notification-policy';

// The shipped registry's roles, in registration order: WhatsApp before SMS.
const ROLES = { message: ['whatsapp', 'sms'], call: ['voice'], mail: ['email'], room: ['slack'] } as const;
const ALL = ['whatsapp', 'voice', 'sms', 'email'] as const;
const PHONE = ['whatsapp', 'voice', 'sms'] as const;
const NOON = new Date('2026-06-15T10:00:00Z'); // 12:00 in Berlin
const BERLIN_NIGHT = { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' };
const BERLIN_MIDDAY = { start: '11:00', end: '13:00', timeZone: 'Europe/Berlin' };

describe('planPage', () => {
  it.each([
    ['critical', ALL, ['whatsapp', 'voice', 'email']],
    ['critical', PHONE, ['whatsapp', 'voice']],
    ['high', ALL, ['whatsapp', 'email']],
    ['high', PHONE, ['whatsapp']],
    ['medium', ALL, ['whatsapp', 'email']],
    ['low', ALL, []],
    ['critical', ['sms', 'voice'], ['sms', 'voice']],
    ['critical', ['whatsapp'], ['whatsapp']],
    ['high', ['voice'], []],
    ['medium', ['email'], ['email']],
    ['critical', ['sms', 'whatsapp'], ['whatsapp']],
  ] as const)('%s for someone who takes %j, outside quiet hours → %j now', (severity, accepts, expected) => {
    expect(planPage(severity, { accepts, quietHours: BERLIN_NIGHT }, NOON, ROLES)).toEqual({ now: expected, later: [] });
  });

  it('holds a medium page until quiet hours end, in the contact’s zone', () => {
    const plan = planPage('medium', { accepts: ALL, quietHours: BERLIN_MIDDAY }, NOON, ROLES);
    const end = DateTime.fromISO('2026-06-15T13:00', { zone: 'Europe/Berlin' }).toJSDate();
    expect(plan).toEqual({ now: [], later: [
      { channel: 'whatsapp', at: end, reason: 'quiet_hours' },
      { channel: 'email', at: end, reason: 'quiet_hours' },
    ] });
  });

  it.each(['high', 'critical'] as const)('sends %s at once during quiet hours', (severity) => {
    const plan = planPage(severity, { accepts: ALL, quietHours: BERLIN_MIDDAY }, NOON, ROLES);
    expect(plan.later).toEqual([]);
    expect(plan.now).toContain('whatsapp');
  });

  it('holds across a daylight-saving change until 07:00 local (05:00Z on 2026-03-29)', () => {
    const plan = planPage('medium', { accepts: ['sms'], quietHours: BERLIN_NIGHT }, new Date('2026-03-28T23:30:00Z'), ROLES);
    expect(plan.later).toEqual([{ channel: 'sms', at: new Date('2026-03-29T05:00:00Z'), reason: 'quiet_hours' }]);
  });

  it('holds nothing for someone without quiet hours', () => {
    expect(planPage('medium', { accepts: ALL, quietHours: null }, NOON, ROLES).later).toEqual([]);
  });
});

describe('acceptedChannels', () => {
  it('substitutes the next channel of the role once and never twice', () => {
    expect(acceptedChannels(['message', 'message'], ['sms'], ROLES)).toEqual(['sms']);
  });

  it('takes the first registered channel of a role that the person accepts, whatever their order', () => {
    expect(acceptedChannels(['message'], ['sms', 'whatsapp'], ROLES)).toEqual(['whatsapp']);
    expect(acceptedChannels(['message'], ['pager', 'sms'], { message: ['whatsapp', 'sms', 'pager'] })).toEqual(['sms']);
    expect(acceptedChannels(['message', 'call'], ['pager'], { message: ['whatsapp', 'sms', 'pager'], call: ['voice'] })).toEqual(['pager']);
  });
});

describe('escalationStep (3 rounds)', () => {
  it.each([
    ['critical', 1, { roles: ['call'], tellChannel: false, more: true }],
    ['critical', 3, { roles: ['call'], tellChannel: false, more: true }],
    ['critical', 4, { roles: [], tellChannel: true, more: false }],
    ['critical', 5, null],
    ['high', 1, { roles: ['call'], tellChannel: false, more: true }],
    ['high', 4, { roles: [], tellChannel: true, more: false }],
    ['medium', 1, { roles: [], tellChannel: true, more: false }],
    ['medium', 2, null],
    ['low', 1, null],
    ['critical', 0, null],
  ] as const)('%s round %i → %j', (severity, round, expected) => {
    expect(escalationStep(severity, round, 3)).toEqual(expected);
  });

  it('escalates every severity but low', () => {
    expect(['critical', 'high', 'medium', 'low'].map((s) => escalates(s as 'low', 3))).toEqual([true, true, true, false]);
  });

  it('with zero rounds, tells the channel at the first escalation', () => {
    expect(escalationStep('critical', 1, 0)).toEqual({ roles: [], tellChannel: true, more: false });
  });
});
