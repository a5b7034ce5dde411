import fc from 'fast-check';
import { SEVERITIES } from '@klaxon/contracts';
import { parseAlertCommand } from './command-parser';

describe('parseAlertCommand', () => {
  describe('page', () => {
    it.each([
      ['<@U123> critical disk full', ['U123'], 'critical', 'disk full'],
      ['<@U123|jane> <@W456> checkout is down', ['U123', 'W456'], 'high', 'checkout is down'],
      ['<@U123> LOW  disk   80%', ['U123'], 'low', 'disk   80%'],
      ['<@U123> <@U123> dup', ['U123'], 'high', 'dup'],
      ['<@U123|Jane Doe> medium db slow', ['U123'], 'medium', 'db slow'],
      ['<@U1A> critical <@U2B> both paged', ['U1A', 'U2B'], 'critical', 'both paged'],
      ['<@U123> disk is critical', ['U123'], 'high', 'disk is critical'],
      ['<@U123> db down, <@U456> knows why', ['U123'], 'high', 'db down, <@U456> knows why'],
      ['  <@U123>\tcritical\nline one\nline two  ', ['U123'], 'critical', 'line one\nline two'],
      ['<@U123><@U456> glued', ['U123', 'U456'], 'high', 'glued'],
    ])('reads %j', (text, userIds, severity, message) => {
      expect(parseAlertCommand(text)).toEqual({ kind: 'page', userIds, service: null, severity, message });
    });

    it.each([
      ['<!subteam^S0PAY|@payments-oncall> critical db down', [], { usergroup: 'S0PAY', handle: '@payments-oncall' }, 'critical', 'db down'],
      ['<!subteam^S0PAY> db down', [], { usergroup: 'S0PAY', handle: null }, 'high', 'db down'],
      ['service:payments critical db down', [], { name: 'payments' }, 'critical', 'db down'],
      ['Service:Payments db down', [], { name: 'payments' }, 'high', 'db down'],
      ['<@U123> service:payments medium db down', ['U123'], { name: 'payments' }, 'medium', 'db down'],
      ['service:payments service:payments dup', [], { name: 'payments' }, 'high', 'dup'],
      ['service:payments db down, service:ledger knows', [], { name: 'payments' }, 'high', 'db down, service:ledger knows'],
    ])('reads the service page %j', (text, userIds, service, severity, message) => {
      expect(parseAlertCommand(text)).toEqual({ kind: 'page', userIds, service, severity, message });
    });

    it.each([
      ['service:payments <!subteam^S0LED|@ledger> db down', /one service per alert/],
      ['service:payments', /Say what is wrong after the names/],
      ['service:Pay_ments db down', /I don't know `service:Pay_ments`/],
    ])('answers the service page %j with help', (text, problem) => {
      expect(parseAlertCommand(text)).toEqual({ kind: 'help', problem: expect.stringMatching(problem) });
    });

    it.each([
      ['<@U123> critical', /Say what is wrong after the names/],
      ['<@U123>', /Say what is wrong after the names/],
      ['<@U123> high critical disk', /Give one severity, not `high` and `critical`/],
      ['critical <@U123> disk', /Put the people first/],
    ])('answers %j with help that says what is missing', (text, problem) => {
      expect(parseAlertCommand(text)).toEqual({ kind: 'help', problem: expect.stringMatching(problem) });
    });

    it.each(['@jane critical disk full', '<@U123> @bob disk full'])('explains Slack escaping when %j holds a plain @name', (text) => {
      const parsed = parseAlertCommand(text);
      expect(parsed).toEqual({ kind: 'help', problem: expect.stringMatching(/plain `@name`.*autocomplete.*Escape channels, users, and links/) });
    });
  });

  describe('subcommands', () => {
    it.each([
      ['ack 42', { kind: 'acknowledge', number: 42, note: null }],
      ['ACK #42 looking into it', { kind: 'acknowledge', number: 42, note: 'looking into it' }],
      ['acknowledge 7   on it', { kind: 'acknowledge', number: 7, note: 'on it' }],
      ['resolve #3 fixed by rollback', { kind: 'resolve', number: 3, note: 'fixed by rollback' }],
      ['resolve 3', { kind: 'resolve', number: 3, note: null }],
      ['list', { kind: 'list', status: null }],
      ['list Acknowledged', { kind: 'list', status: 'acknowledged' }],
      ['list resolved', { kind: 'list', status: 'resolved' }],
      ['status #12', { kind: 'status', number: 12 }],
      ['phone', { kind: 'phone-show' }],
      ['phone   ', { kind: 'phone-show' }],
      ['phone +44 20 7946 0958', { kind: 'phone-set', phone: '+44 20 7946 0958' }],
      ['phone <tel:+442079460958|+44 20 7946 0958>', { kind: 'phone-set', phone: '+44 20 7946 0958' }],
      ['phone (415) 555-0123', { kind: 'phone-set', phone: '(415) 555-0123' }],
      ['phone verify 123456', { kind: 'phone-verify', code: '123456' }],
      ['Phone VERIFY 012 345', { kind: 'phone-verify', code: '012345' }],
      ['email', { kind: 'email-show' }],
      ['EMAIL  ', { kind: 'email-show' }],
      ['email jane@example.com', { kind: 'email-set', email: 'jane@example.com' }],
      ['email <mailto:Jane@Example.com|Jane@Example.com>', { kind: 'email-set', email: 'Jane@Example.com' }],
      ['prefs', { kind: 'prefs-show' }],
      ['Prefs ', { kind: 'prefs-show' }],
      ['prefs channels whatsapp,voice,email', { kind: 'prefs-set', change: { channels: ['whatsapp', 'voice', 'email'] } }],
      ['prefs channels WhatsApp call text', { kind: 'prefs-set', change: { channels: ['whatsapp', 'voice', 'sms'] } }],
      ['prefs channels sms, email', { kind: 'prefs-set', change: { channels: ['sms', 'email'] } }],
      ['prefs channels voice,call,voice', { kind: 'prefs-set', change: { channels: ['voice'] } }],
      ['prefs channel email', { kind: 'prefs-set', change: { channels: ['email'] } }],
      ['prefs quiet 22:00-07:00 Europe/Berlin', { kind: 'prefs-set', change: { quietHours: { start: '22:00', end: '07:00' }, timeZone: 'Europe/Berlin' } }],
      ['prefs quiet 7:30 - 9:00 america/new_york', { kind: 'prefs-set', change: { quietHours: { start: '07:30', end: '09:00' }, timeZone: 'America/New_York' } }],
      ['prefs quiet 23:00 to 06:00 UTC', { kind: 'prefs-set', change: { quietHours: { start: '23:00', end: '06:00' }, timeZone: 'UTC' } }],
      ['prefs quiet 22:00-07:00', { kind: 'prefs-set', change: { quietHours: { start: '22:00', end: '07:00' }, timeZone: null } }],
      ['prefs quiet off', { kind: 'prefs-set', change: { quietHours: null, timeZone: null } }],
      ['prefs quiet OFF', { kind: 'prefs-set', change: { quietHours: null, timeZone: null } }],
      ['test', { kind: 'test' }],
      ['TEST ', { kind: 'test' }],
      ['oncall', { kind: 'oncall', name: null }],
      ['OnCall  ', { kind: 'oncall', name: null }],
      ['oncall payments', { kind: 'oncall', name: 'payments' }],
      ['oncall Payments-API', { kind: 'oncall', name: 'payments-api' }],
      ['oncall #payments', { kind: 'oncall', name: 'payments' }],
      ['oncall @db-primary', { kind: 'oncall', name: 'db-primary' }],
      ['maintenance', { kind: 'maintenance-list' }],
      ['maintenance payments 2h deploying 4.2', { kind: 'maintenance-start', service: 'payments', durationMs: 7_200_000, duration: '2h', reason: 'deploying 4.2' }],
      ['Maintenance #Payments 90M', { kind: 'maintenance-start', service: 'payments', durationMs: 5_400_000, duration: '1h30m', reason: null }],
      ['maintenance payments 1d  db   upgrade', { kind: 'maintenance-start', service: 'payments', durationMs: 86_400_000, duration: '1d', reason: 'db   upgrade' }],
      ['maintenance payments end', { kind: 'maintenance-end', service: 'payments' }],
      ['maintenance payments END', { kind: 'maintenance-end', service: 'payments' }],
      ['help', { kind: 'help', problem: null }],
      ['HELP me', { kind: 'help', problem: null }],
      ['', { kind: 'help', problem: null }],
      ['   ', { kind: 'help', problem: null }],
    ])('reads %j', (text, expected) => {
      expect(parseAlertCommand(text)).toEqual(expected);
    });

    it.each([
      ['ack', /Say which alert by its number, e\.g\. `\/alert ack 42/],
      ['resolve abc', /`abc` is not one/],
      ['ack 0', /`0` is not one/],
      ['ack -4', /`-4` is not one/],
      ['ack 12345678901', /is not one/],
      ['status', /Say which alert/],
      ['status 4 extra', /takes only the alert number/],
      ['list open', /`triggered`, `acknowledged`, `resolved`/],
      ['list resolved extra', /`triggered`, `acknowledged`, `resolved`/],
      ['disk full', /I don't know `disk`/],
      ['email jane', /`jane` is not an email address; write just the address, e\.g\. `\/alert email you@example\.com`/],
      ['email jane@example.com bob@example.com', /is not an email address; write just the address/],
      ['prefs colour blue', /I don't know `\/alert prefs colour`\. `\/alert prefs` shows how Klaxon may reach you; change it with `\/alert prefs channels/],
      ['prefs channels', /Say which channels may page you, from `whatsapp`, `sms` \(or `text`\), `voice` \(or `call`\) and `email`/],
      ['prefs channels whatsapp,pigeon', /I don't know the channel `pigeon`\. Choose from `whatsapp`.*e\.g\. `\/alert prefs channels whatsapp,voice,email`/],
      ['prefs channels slack', /I don't know the channel `slack`/],
      ['prefs quiet', /Give quiet hours as start-end in 24-hour time and your time zone, e\.g\. `\/alert prefs quiet 22:00-07:00 Europe\/Berlin`; `\/alert prefs quiet off` turns them off/],
      ['prefs quiet 10pm-7am', /\(`10pm-7am` is not one\)/],
      ['prefs quiet 25:00-07:00 UTC', /Times run from 00:00 to 23:59/],
      ['prefs quiet 22:60-07:00 UTC', /Times run from 00:00 to 23:59/],
      ['prefs quiet 22:00-22:00 UTC', /need different start and end times/],
      ['prefs quiet 22:00-07:00 Mars/Olympus', /`Mars\/Olympus` is not a time zone I know\. Use its IANA name, such as `Europe\/Berlin`/],
      ['prefs quiet 22:00-07:00 +01:00', /`\+01:00` is not a time zone I know/],
      ['phone verify', /Type the six-digit code Klaxon sent to your new number: `\/alert phone verify 123456`/],
      ['phone verify 12ab', /^That is not a code: it is the six digits Klaxon sent/],
      ['phone verify 1234567', /^That is not a code/],
      ['oncall payments api', /^`\/alert oncall` takes at most one name, of a service or a schedule .* e\.g\. `\/alert oncall payments`/],
      ['oncall pay_ments', /^`\/alert oncall` takes at most one name/],
      ['oncall <#C024BE91L|payments>', /^`\/alert oncall` takes at most one name/],
      [`oncall ${'a'.repeat(65)}`, /^`\/alert oncall` takes at most one name/],
      ['maintenance payments', /^Say for how long, e\.g\. `\/alert maintenance payments 2h deploying`/],
      ['maintenance payments soon', /^`soon` is not a length of time \(/],
      ['maintenance payments 0h', /^`0h` is not a length of time \(.*is zero/],
      ['maintenance pay_ments 2h', /^`pay_ments` is not a service name/],
      ['maintenance payments end now', /^`\/alert maintenance payments end` takes nothing after it/],
    ])('answers %j with help stating the problem', (text, problem) => {
      expect(parseAlertCommand(text)).toEqual({ kind: 'help', problem: expect.stringMatching(problem) });
    });
  });

  describe('properties', () => {
    it('never throws, whatever the text', () => {
      const slackish = fc.constantFrom(
        '<@U123>', '<@W9Z|x y>', '<', '>', '#', '@', '|', 'ack', 'list', 'phone', 'critical', ' ', '\n', '42', '#0',
        'email', 'prefs', 'channels', 'quiet', 'off', 'call', ',', '22:00', '-', '7:5', 'Europe/Berlin', '<mailto:a@b.c|a@b.c>', 'verify', '123456', 'oncall', 'payments',
      );
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'grapheme-composite', maxLength: 300 }), fc.array(slackish, { maxLength: 20 }).map((w) => w.join(''))), (text) => {
          const parsed = parseAlertCommand(text);
          expect(['page', 'acknowledge', 'resolve', 'list', 'status', 'phone-show', 'phone-set', 'phone-verify', 'email-show', 'email-set', 'prefs-show', 'prefs-set', 'oncall', 'help']).toContain(parsed.kind);
        }),
        { numRuns: 3000 },
      );
    });

    it('reads back any list of channel words, in any spelling and separator, as distinct channels in order', () => {
      const words = { whatsapp: 'whatsapp', sms: 'sms', text: 'sms', voice: 'voice', call: 'voice', email: 'email' } as const;
      const word = fc.constantFrom(...(Object.keys(words) as (keyof typeof words)[]));
      const casing = fc.constantFrom((w: string) => w, (w: string) => w.toUpperCase(), (w: string) => w[0]!.toUpperCase() + w.slice(1));
      const separator = fc.constantFrom(',', ' ', ', ', ' ,', '  ', ',,');
      fc.assert(
        fc.property(fc.array(fc.tuple(word, casing, separator), { minLength: 1, maxLength: 8 }), (picked) => {
          const text = `prefs channels ${picked.map(([w, c, sep]) => c(w) + sep).join('')}`;
          expect(parseAlertCommand(text)).toEqual({ kind: 'prefs-set', change: { channels: [...new Set(picked.map(([w]) => words[w]))] } });
        }),
        { numRuns: 500 },
      );
    });

    it('reads back any valid quiet range, padding the hours, and never a quiet period that starts when it ends', () => {
      const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.boolean());
      const written = ([h, m, pad]: [number, number, boolean]) => `${pad ? String(h).padStart(2, '0') : h}:${String(m).padStart(2, '0')}`;
      const canonical = ([h, m]: [number, number, boolean]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
      fc.assert(
        fc.property(time, time, fc.constantFrom('-', ' - ', '–', ' to '), fc.constantFrom('Europe/Berlin', 'UTC', 'Asia/Tokyo'), (start, end, dash, zone) => {
          const parsed = parseAlertCommand(`prefs quiet ${written(start)}${dash}${written(end)} ${zone}`);
          if (canonical(start) === canonical(end)) expect(parsed).toEqual({ kind: 'help', problem: expect.stringMatching(/different start and end/) });
          else expect(parsed).toEqual({ kind: 'prefs-set', change: { quietHours: { start: canonical(start), end: canonical(end) }, timeZone: zone } });
        }),
        { numRuns: 500 },
      );
    });

    it('reads back any service or schedule name, in any case, as the lower-case slug it is', () => {
      const name = fc.stringMatching(/^[a-zA-Z0-9-]{1,64}$/);
      fc.assert(
        fc.property(name, fc.constantFrom('', '#', '@'), fc.constantFrom(' ', '  ', '\t'), (typed, prefix, gap) => {
          expect(parseAlertCommand(`oncall${gap}${prefix}${typed}`)).toEqual({ kind: 'oncall', name: typed.toLowerCase() });
        }),
        { numRuns: 500 },
      );
    });

    it('reads back the users, severity and message of any well-formed page command', () => {
      const userId = fc.stringMatching(/^[UW][A-Z0-9]{2,10}$/);
      const mention = fc.tuple(userId, fc.option(fc.stringMatching(/^[a-z][a-z .]{0,12}$/), { nil: undefined })).map(([id, name]) => ({
        id,
        text: name === undefined ? `<@${id}>` : `<@${id}|${name}>`,
      }));
      const word = fc.stringMatching(/^[a-z0-9%:.,!?-]{1,12}$/).filter((w) => !(SEVERITIES as readonly string[]).includes(w));
      const command = fc.record({
        mentions: fc.array(mention, { minLength: 1, maxLength: 5 }),
        severity: fc.option(fc.constantFrom(...SEVERITIES), { nil: undefined }),
        message: fc.array(word, { minLength: 1, maxLength: 12 }).map((w) => w.join(' ')),
      });
      fc.assert(
        fc.property(command, ({ mentions, severity, message }) => {
          const text = [...mentions.map((m) => m.text), ...(severity ? [severity] : []), message].join(' ');
          expect(parseAlertCommand(text)).toEqual({
            kind: 'page',
            userIds: [...new Set(mentions.map((m) => m.id))],
            service: null,
            severity: severity ?? 'high',
            message,
          });
        }),
        { numRuns: 1000 },
      );
    });
  });
});
