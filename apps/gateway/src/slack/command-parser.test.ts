import fc from 'fast-check';
import { parseAlertCommand } from './command-parser';

describe('parseAlertCommand', () => {
  it.each([
    ['<@U123> critical disk full', { kind: 'page', userIds: ['U123'], severity: 'critical', message: 'disk full' }],
    ['<@U123|jane> <@W456> checkout is down', { kind: 'page', userIds: ['U123', 'W456'], severity: 'high', message: 'checkout is down' }],
    ['<@U123> LOW  disk   80%', { kind: 'page', userIds: ['U123'], severity: 'low', message: 'disk 80%' }],
    ['<@U123> <@U123> dup', { kind: 'page', userIds: ['U123'], severity: 'high', message: 'dup' }],
  ])('reads %j', (text, expected) => {
    expect(parseAlertCommand(text)).toEqual(expected);
  });

  it('asks for the message when only a severity follows the names', () => {
    expect(parseAlertCommand('<@U123> critical')).toEqual({ kind: 'help', problem: expect.stringMatching(/Say what is wrong/) });
  });

  it.each(['', '   ', 'help', 'HELP'])('answers %j with help', (text) => {
    expect(parseAlertCommand(text)).toEqual({ kind: 'help', problem: null });
  });

  it('explains what is missing when nobody is mentioned', () => {
    expect(parseAlertCommand('disk full')).toEqual({ kind: 'help', problem: expect.stringMatching(/Start with the people to page/) });
  });

  it('never throws and always returns a command', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 300 }), (text) => {
        const parsed = parseAlertCommand(text);
        expect(['page', 'help']).toContain(parsed.kind);
      }),
      { numRuns: 2000 },
    );
  });
});
