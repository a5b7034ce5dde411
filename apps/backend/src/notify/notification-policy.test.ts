import { escalates, escalationStep, initialChannels } from './notification-policy';

const ALL = ['whatsapp', 'voice', 'sms'] as const;

describe('initialChannels', () => {
  it.each([
    ['critical', ALL, ['whatsapp', 'voice']],
    ['high', ALL, ['whatsapp']],
    ['medium', ALL, ['whatsapp']],
    ['low', ALL, []],
    ['critical', ['sms', 'voice'], ['sms', 'voice']],
    ['critical', ['whatsapp'], ['whatsapp']],
    ['high', ['voice'], []],
  ] as const)('%s for someone who takes %j → %j', (severity, accepted, expected) => {
    expect(initialChannels(severity, accepted)).toEqual(expected);
  });
});

describe('escalationStep (3 rounds)', () => {
  it.each([
    ['critical', 1, { call: true, tellChannel: false, more: true }],
    ['critical', 3, { call: true, tellChannel: false, more: true }],
    ['critical', 4, { call: false, tellChannel: true, more: false }],
    ['critical', 5, null],
    ['high', 1, { call: true, tellChannel: false, more: true }],
    ['high', 4, { call: false, tellChannel: true, more: false }],
    ['medium', 1, { call: false, tellChannel: true, more: false }],
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
    expect(escalationStep('critical', 1, 0)).toEqual({ call: false, tellChannel: true, more: false });
  });
});
