import { ALERT_EVENT_KINDS, type AlertEventData, type AlertEventDto, type AlertEventKind, type ContactDto, type MaintenanceDto, type OnCallOverviewDto, type PhoneStatusDto } from '@klaxon/contracts';
import { alertFixture, targetFixture } from '@klaxon/testing';
import {
  alertList,
  alertTimeline,
  alreadyInState,
  emailNotSet,
  emailRejected,
  emailSaved,
  emailShown,
  helpMessage,
  HELP_TEXT,
  nothingPaged,
  maintenanceEnded,
  maintenanceList,
  maintenanceOpened,
  recordedInMaintenance,
  onCallShown,
  onCallUnknown,
  pageOutcome,
  person,
  phoneCodeNotSent,
  phoneCodeRateLimited,
  phoneCodeRefused,
  phoneCodeSent,
  phoneCodeStillSending,
  phoneShown,
  phoneVerified,
  prefsRejected,
  prefsSaved,
  prefsShown,
  transitioned,
  workingOn,
} from './messages';

const now = new Date('2026-11-23T12:00:00Z');

describe('pageOutcome', () => {
  it('names how each person is paged and who cannot be, with what to do', () => {
    const alert = alertFixture({
      targets: [targetFixture('U1AAA', ['whatsapp', 'voice']), targetFixture('U2BBB', ['whatsapp']), targetFixture('U3CCC', [], 'no phone number')],
    });
    expect(pageOutcome(alert, false)).toBe(
      "🚨 #42 paging <@U1AAA> (WhatsApp + call) and <@U2BBB> (WhatsApp); <@U3CCC> can't be paged (no phone number) — ask them to run `/alert phone`",
    );
  });

  it('says until when a page held for quiet hours waits, on the person\'s clock', () => {
    const held = { ...targetFixture('U1AAA', ['whatsapp', 'email']), held: { until: '2026-11-24T06:00:00.000Z', time_zone: 'Europe/Berlin' } };
    const alert = alertFixture({ severity: 'medium', targets: [held, targetFixture('U2BBB', ['whatsapp'])] });
    expect(pageOutcome(alert, false)).toBe('🚨 #42 paging <@U1AAA> (WhatsApp + email, held until 07:00 Europe/Berlin — quiet hours) and <@U2BBB> (WhatsApp)');
  });

  it('lists three or more people with commas and a final "and"', () => {
    const alert = alertFixture({ targets: ['U1AAA', 'U2BBB', 'U3CCC'].map((id) => targetFixture(id, ['sms'])) });
    expect(pageOutcome(alert, false)).toBe('🚨 #42 paging <@U1AAA> (SMS), <@U2BBB> (SMS) and <@U3CCC> (SMS)');
  });

  it('warns when nobody at all can be paged', () => {
    const alert = alertFixture({ targets: [targetFixture('U3CCC', [], null)] });
    expect(pageOutcome(alert, false)).toBe(
      "⚠️ #42 was raised but nobody can be paged: <@U3CCC> can't be paged (has no phone number) — ask them to run `/alert phone`",
    );
  });

  it('says a deduplicated page joined the existing open alert', () => {
    expect(pageOutcome(alertFixture({ status: 'acknowledged' }), true)).toBe(
      '🔁 Joined the existing open alert #42 (acknowledged) instead of raising a new one: paging <@U1AAA> (WhatsApp + call)',
    );
  });

  const escalation = { service: 'payments', policy: 'payments-escalation', step: 1, of: 2, pass: 1, passes: 1, paged: [{ person: 'U1AAA', via: 'payments-primary' }], nobody_on_call: [], ended: null };

  it('names who a service page reached and why, and the step', () => {
    const alert = alertFixture({ escalation });
    expect(pageOutcome(alert, false)).toBe('🚨 #42 paging <@U1AAA> (WhatsApp + call)\n🧭 payments: paging <@U1AAA>, on call for payments-primary — step 1 of 2');
  });

  it('says a service page found nobody on call in a whole pass', () => {
    const nobody = { ...escalation, paged: [], nobody_on_call: ['payments-primary'], ended: 'nobody_on_call' as const };
    expect(pageOutcome(alertFixture({ targets: [], escalation: nobody }), false)).toBe(
      '⚠️ #42 was raised but nobody can be paged: nobody is on call for payments\n🧭 payments: nobody is on call for payments-primary — step 1 of 2 — escalation stopped: nobody on call in a whole pass',
    );
  });

  it('names a target without a Slack user by name or masked number, with no advice to run a command', () => {
    const alert = alertFixture({ targets: [{ ...targetFixture('U1', [], 'invalid number'), slack_user_id: null, name: 'Ops phone' }] });
    expect(pageOutcome(alert, false)).toBe("⚠️ #42 was raised but nobody can be paged: Ops phone can't be paged (invalid number)");
  });
});

describe('transitions and conflicts', () => {
  it('confirms a transition', () => {
    expect(transitioned(alertFixture({ status: 'acknowledged' }))).toBe('✅ #42 acknowledged');
    expect(transitioned(alertFixture({ status: 'resolved' }))).toBe('✅ #42 resolved');
  });

  it('says who got there first, and when', () => {
    expect(alreadyInState('#42', { status: 'acknowledged', by: 'slack:U2BBB', at: '2026-11-23T11:58:00Z' }, now)).toBe(
      '#42 is already acknowledged by <@U2BBB> 2 minutes ago',
    );
    expect(alreadyInState('#42', { status: 'resolved', by: 'alertmanager', at: '2026-11-23T10:00:00Z' }, now)).toBe(
      '#42 is already resolved by alertmanager 2 hours ago',
    );
    expect(alreadyInState('This alert', { status: 'resolved', by: null, at: '2026-11-23T11:59:50Z' }, now)).toBe('This alert is already resolved just now');
  });

  it.each([
    ['slack:U2BBB', '<@U2BBB>'],
    ['deploy-bot', 'deploy-bot'],
    [null, 'someone'],
  ])('spells actor %j as %j', (actor, expected) => {
    expect(person(actor)).toBe(expected);
  });
});

describe('alertList', () => {
  it('shows number, severity, message, state and age of each alert', () => {
    const alerts = [
      alertFixture(),
      alertFixture({ number: 41, severity: 'low', message: 'disk 80%', status: 'acknowledged', acknowledged_by: 'slack:U2BBB', acknowledged_at: '2026-11-23T11:00:00Z' }),
    ];
    expect(alertList(alerts, null, now)).toBe(
      [
        '*Open alerts*',
        '• 🔴 *#42* critical: checkout is down — triggered 10 minutes ago',
        '• 🔵 *#41* low: disk 80% — acknowledged by <@U2BBB> 1 hour ago',
      ].join('\n'),
    );
  });

  it('lists under each alert what reached each person, as Twilio reported it', () => {
    const jane = { ...targetFixture('U0JANE', ['whatsapp', 'voice']), receipts: [{ channel: 'whatsapp' as const, status: 'read' as const, at: '2026-11-23T23:41:00Z' }, { channel: 'voice' as const, status: 'voicemail' as const, at: '2026-11-23T23:42:30Z' }] };
    expect(alertList([alertFixture({ targets: [jane, targetFixture('U0BOB', ['whatsapp'])] })], null, now).split('\n').slice(1)).toEqual([
      '• 🔴 *#42* critical: checkout is down — triggered 10 minutes ago',
      '    ◦ <@U0JANE>: WhatsApp read <!date^1795477260^{time}|23:41 UTC> · call went to voicemail <!date^1795477350^{time}|23:42 UTC>',
    ]);
  });

  it('says so when there is nothing to list', () => {
    expect(alertList([], null, now)).toBe('No open alerts. 🎉');
    expect(alertList([], 'resolved', now)).toBe('No resolved alerts.');
  });

  it('titles a filtered list by its state', () => {
    expect(alertList([alertFixture()], 'triggered', now).split('\n')[0]).toBe('*Triggered alerts*');
  });
});

/** An event as the backend serves it; typed by its kind, so a fixture cannot carry data its kind does not have. */
function eventFixture<K extends AlertEventKind>(kind: K, data: AlertEventData<K>, fields: Partial<Pick<AlertEventDto, 'id' | 'actor' | 'note' | 'at'>> = {}): AlertEventDto<K> {
  return { id: 1, kind, actor: 'system', note: null, data, at: '2026-11-23T11:50:00Z', ...fields };
}

const page = { delivery_id: 'd-1', channel: 'whatsapp', to: '+1 ******0101', slack_user_id: 'U1AAA', round: 0, attempt: 1 } as const;
const toChannel = { ...page, channel: 'slack', to: 'C0001', slack_user_id: null } as const;

describe('alertTimeline', () => {
  it('tells the story of an alert from its events', () => {
    const alert = alertFixture({ status: 'resolved', resolved_by: 'slack:U2BBB', resolved_at: '2026-11-23T11:59:00Z' });
    const at = (iso: string) => ({ at: iso });
    const events: AlertEventDto[] = [
      eventFixture('created', { severity: 'critical', source: null, origin: 'slack', targets: [] }, { actor: 'slack:U0001', ...at('2026-11-23T11:50:00Z') }),
      eventFixture('notification.sent', { ...page, channel: 'voice', provider_id: 'CA1' }, at('2026-11-23T11:50:01Z')),
      eventFixture('notification.failed', { ...page, slack_user_id: null, code: null, detail: 'boom', permanent: false }, at('2026-11-23T11:50:02Z')),
      eventFixture('notification.retrying', { ...page, slack_user_id: null, code: '20500', detail: 'Twilio 20500', next_attempt_at: '2026-11-23T11:50:07Z' }, at('2026-11-23T11:50:02Z')),
      eventFixture('notification.fallback', { ...page, channel: 'sms', from: 'whatsapp', reason: '63016' }, at('2026-11-23T11:50:02Z')),
      eventFixture('notification.cancelled', { ...page, channel: 'voice', detail: 'alert already acknowledged' }, at('2026-11-23T11:50:02Z')),
      eventFixture(
        'notification.held',
        { ...page, reason: 'recipient_limit', detail: '+1 ******0101 has received 30 pages in the last 60 min (PAGE_LIMIT_PER_RECIPIENT)', until: '2026-11-23T12:50:00Z', count: 30, limit: 30, window_ms: 3_600_000 },
        at('2026-11-23T11:50:02Z'),
      ),
      eventFixture('escalated', { round: 1, channels: ['voice'], tell_channel: false, nobody_to_page: false, deliveries: 1 }, at('2026-11-23T11:55:00Z')),
      eventFixture('resolved', {}, { actor: 'slack:U2BBB', note: 'rolled back', ...at('2026-11-23T11:59:00Z') }),
    ];
    expect(alertTimeline(alert, events, now)).toBe(
      [
        '🔴 *#42* critical: checkout is down — resolved by <@U2BBB> 1 minute ago',
        '• 10 minutes ago: raised by <@U0001>',
        '• 9 minutes ago: call to <@U1AAA> sent',
        '• 9 minutes ago: WhatsApp to +1 ******0101 failed',
        '• 9 minutes ago: WhatsApp to +1 ******0101 failed (20500), retrying',
        '• 9 minutes ago: SMS to <@U1AAA> queued instead (WhatsApp could not deliver)',
        '• 9 minutes ago: call to <@U1AAA> not sent: the alert was already handled',
        '• 9 minutes ago: WhatsApp to <@U1AAA> held: +1 ******0101 has received 30 pages in the last 60 min (PAGE_LIMIT_PER_RECIPIENT), to go out when there is room',
        '• 5 minutes ago: escalated by system',
        '• 1 minute ago: resolved by <@U2BBB>: “rolled back”',
      ].join('\n'),
    );
  });

  // One row or more per kind. The table is keyed by kind, so a kind added to contracts fails the typecheck here
  // too, as the renderer's exhaustive switch (assertNever) fails the build until the kind has its line.
  const lines: { [K in AlertEventKind]: Array<[AlertEventDto<K>, string]> } = {
    created: [[eventFixture('created', { severity: 'high', source: 'billing-api', origin: 'api', targets: [] }, { actor: 'api', note: 'from the deploy' }), 'raised by api: “from the deploy”']],
    acknowledged: [[eventFixture('acknowledged', {}, { actor: 'slack:U2BBB' }), 'acknowledged by <@U2BBB>']],
    resolved: [[eventFixture('resolved', {}, { actor: null }), 'resolved']],
    escalated: [[eventFixture('escalated', { round: 2, channels: [], tell_channel: true, nobody_to_page: false, deliveries: 1 }), 'escalated by system']],
    'escalation.step': [
      [
        eventFixture('escalation.step', { service: 'payments', policy: 'payments-escalation', round: 0, step: 1, of: 2, pass: 1, passes: 1, paged: [{ person: 'U0JANE', via: 'payments' }], nobody_on_call: [] }),
        'payments: paging <@U0JANE>, on call for payments — step 1 of 2',
      ],
      [
        eventFixture('escalation.step', { service: 'payments', policy: 'payments-escalation', round: 3, step: 2, of: 2, pass: 2, passes: 2, paged: [], nobody_on_call: ['payments-lead'] }),
        'payments: nobody is on call for payments-lead — step 2 of 2, pass 2 of 2',
      ],
    ],
    'escalation.exhausted': [
      [eventFixture('escalation.exhausted', { service: 'payments', reason: 'unacknowledged' }), 'payments: escalation over — every step ran and nobody acknowledged'],
      [eventFixture('escalation.exhausted', { service: 'payments', reason: 'nobody_on_call' }), 'payments: escalation over — a whole pass of steps found nobody on call'],
    ],
    'notification.sent': [
      [eventFixture('notification.sent', { ...page, provider_id: 'SM1' }), 'WhatsApp to <@U1AAA> sent'],
      [eventFixture('notification.sent', { ...toChannel, provider_id: '1700000000.0001', recorded_by: 'sweeper' }), 'Slack to C0001 sent'],
    ],
    'notification.held': [
      [eventFixture('notification.held', { ...page, reason: 'quiet_hours', detail: 'until 07:00 Europe/Berlin (quiet hours)', until: '2026-11-24T06:00:00Z' }), 'WhatsApp to <@U1AAA> held until 07:00 Europe/Berlin (quiet hours)'],
      [
        eventFixture('notification.held', { ...page, reason: 'recipient_limit', detail: '+1 ******0101 has received 2 pages in the last 2 s (PAGE_LIMIT_PER_RECIPIENT)', until: '2026-11-23T11:50:02Z', count: 2, limit: 2, window_ms: 2000 }),
        'WhatsApp to <@U1AAA> held: +1 ******0101 has received 2 pages in the last 2 s (PAGE_LIMIT_PER_RECIPIENT), to go out when there is room',
      ],
    ],
    'notification.cancelled': [[eventFixture('notification.cancelled', { ...page, detail: 'alert already resolved' }), 'WhatsApp to <@U1AAA> not sent: the alert was already handled']],
    'notification.status': [
      [eventFixture('notification.status', { ...page, status: 'read', answered_by: null, error_code: null }), 'WhatsApp to <@U1AAA> reported read'],
      [eventFixture('notification.status', { ...page, status: 'undelivered', answered_by: null, error_code: '63016' }), 'WhatsApp to <@U1AAA> reported undelivered (error 63016)'],
      [eventFixture('notification.status', { ...page, channel: 'voice', status: null, answered_by: 'machine', error_code: null }), 'call to <@U1AAA> went to voicemail (not reached)'],
      [eventFixture('notification.status', { ...page, channel: 'voice', status: null, answered_by: 'human', error_code: null }), 'call to <@U1AAA> reported answered'],
    ],
    'notification.retrying': [
      [eventFixture('notification.retrying', { ...page, code: 'ECONNRESET', detail: 'network error', next_attempt_at: '2026-11-23T11:50:05Z' }), 'WhatsApp to <@U1AAA> failed (ECONNRESET), retrying'],
    ],
    'notification.failed': [
      [eventFixture('notification.failed', { ...page, code: '21211', detail: 'Twilio 21211', permanent: true }), 'WhatsApp to <@U1AAA> failed (21211)'],
      [eventFixture('notification.failed', { ...page, channel: 'email', to: 'j***@example.com', slack_user_id: null, code: null, detail: 'refused', permanent: true }), 'email to j***@example.com failed'],
    ],
    'notification.fallback': [[eventFixture('notification.fallback', { ...page, channel: 'sms', from: 'whatsapp', reason: '63016' }), 'SMS to <@U1AAA> queued instead (WhatsApp could not deliver)']],
    'pagerduty.sent': [[eventFixture('pagerduty.sent', { action: 'trigger', status: 202, attempts: 1 }), 'PagerDuty trigger event sent']],
    'pagerduty.retrying': [
      [eventFixture('pagerduty.retrying', { action: 'acknowledge', status: null, attempts: 1, error: 'no answer: timeout' }), 'PagerDuty acknowledge event failed (no answer: timeout), retrying'],
    ],
    'pagerduty.failed': [
      [eventFixture('pagerduty.failed', { action: 'resolve', status: 400, attempts: 1, error: 'HTTP 400: <!channel> bad key' }), 'PagerDuty resolve event failed: HTTP 400: &lt;!channel&gt; bad key'],
    ],
  };

  const rows = Object.values(lines).flatMap((cases: Array<[AlertEventDto, string]>) => cases.map(([event, line]) => [event.kind, line, event] as const));
  it.each(rows)('renders %s as "%s"', (_kind, line, event) => {
    expect(alertTimeline(alertFixture(), [{ ...event, at: now.toISOString() }], now).split('\n').at(-1)).toBe(`• just now: ${line}`);
  });

  it('has a row for every kind the contracts name', () => {
    expect(Object.keys(lines).sort()).toEqual([...ALERT_EVENT_KINDS].sort());
  });

  it('shows a kind this gateway does not know (a newer backend) by its name, who and the note', () => {
    const unknown = { id: 6, kind: 'reopened.someday', actor: 'slack:U2BBB', note: 'again', data: {}, at: now.toISOString() } as unknown as AlertEventDto;
    expect(alertTimeline(alertFixture(), [unknown], now).split('\n').at(-1)).toBe('• just now: reopened.someday by <@U2BBB>: “again”');
  });

  it('says when no events are recorded', () => {
    expect(alertTimeline(alertFixture(), [], now)).toMatch(/\n• no events recorded$/);
  });
});

const contactDto = (overrides: Partial<ContactDto> = {}): ContactDto => ({
  tenant_id: 'T0001',
  slack_user_id: 'U0001',
  name: null,
  phone: '+44 ******0958',
  email: null,
  channels: ['whatsapp', 'voice', 'sms'],
  time_zone: null,
  quiet_hours: null,
  source: 'self',
  pending_phone: null,
  updated_at: '',
  ...overrides,
});

describe('phone', () => {
  const status = (overrides: Partial<PhoneStatusDto> = {}): PhoneStatusDto => ({ tenant_id: 'T0001', slack_user_id: 'U0001', phone: '+1 ******0131', pending: null, ...overrides });
  const pending = { phone: '+44 ******0958', channel: 'sms', expires_at: new Date(now.getTime() + 10 * 60_000).toISOString(), attempts_left: 5, usable: true };

  it('shows the masked number, and advises when none is set', () => {
    expect(phoneShown(status())).toBe('📱 Klaxon pages you at +1 ******0131. Change it with `/alert phone <number>`.');
    expect(phoneShown(status({ phone: null }))).toMatch(/Slack profile.*`\/alert phone \+44 20 7946 0958`/);
  });

  it('shows the current number AND the one waiting for its code, with how to confirm', () => {
    expect(phoneShown(status({ pending }))).toBe(
      '📱 Klaxon pages you at +1 ******0131. Change it with `/alert phone <number>`.\n⏳ Waiting for the code sent to +44 ******0958 — `/alert phone verify <code>`.',
    );
    expect(phoneShown(status({ phone: null, pending }))).toMatch(/Slack profile.*\n⏳ Waiting for the code sent to \+44 \*{6}0958/);
    expect(phoneShown(status({ pending: { ...pending, usable: false } }))).toMatch(/\nThe code sent to \+44 \*{6}0958 no longer works; ask for a new one with `\/alert phone <number>`\.$/);
  });

  it('says where the code went, how to confirm, and which number pages use meanwhile', () => {
    expect(phoneCodeSent(status({ pending }), now)).toBe(
      '📨 A code was sent by SMS to +44 ******0958. Confirm the number with `/alert phone verify 123456` (your code, within 10 minutes). Until then Klaxon keeps paging you at +1 ******0131.',
    );
    expect(phoneCodeSent(status({ phone: null, pending: { ...pending, channel: 'whatsapp' } }), now)).toMatch(/^📨 A code was sent by WhatsApp to .*keeps paging you at the phone in your Slack profile, if there is one\.$/);
    expect(phoneCodeSent(status(), now)).toBe('✅ Klaxon already pages you at +1 ******0131; there is nothing to confirm.');
  });

  it('confirms a verified number, and gives the backend’s reason for a refusal', () => {
    expect(phoneVerified(status({ phone: '+44 ******0958' }))).toBe('✅ Confirmed: Klaxon will page you at +44 ******0958.');
    expect(phoneCodeRefused('wrong code for +44 ******0958; 4 attempts left')).toBe('❌ Your number was not confirmed: wrong code for +44 ******0958; 4 attempts left.');
    expect(phoneCodeNotSent('the code could not be sent by sms to +44 ******0958: Twilio 21211')).toMatch(/^❌ No code was sent, so your number was not changed: the code could not be sent/);
  });

  it('says a code the gateway stopped waiting for is still on its way, never that it failed', () => {
    expect(phoneCodeStillSending()).toMatch(/^⏳ The code is still on its way: .*`\/alert phone verify 123456`; if nothing arrives, ask again with `\/alert phone <number>` in 30 s\.$/);
    expect(phoneCodeStillSending()).not.toMatch(/❌|could not|failed/i);
  });

  it('gives a limit’s refusal as the backend says it, how long included, without a "try again in a minute"', () => {
    expect(phoneCodeRateLimited('+44 ******0958 has had too many codes lately (at most 3 an hour and 10 a day, whoever asks); a new one can be sent to it in 42 min')).toBe(
      '⏳ No code was sent, so your number was not changed: +44 ******0958 has had too many codes lately (at most 3 an hour and 10 a day, whoever asks); a new one can be sent to it in 42 min.',
    );
  });
});

describe('email', () => {
  it('shows the masked address and says whether pages use it, with the command that adds it', () => {
    expect(emailShown(contactDto({ email: 'j***@example.com', channels: ['whatsapp', 'email'] }))).toBe(
      '📧 Klaxon has j***@example.com for you and emails you when you are paged. Change it with `/alert email <address>`.',
    );
    expect(emailShown(contactDto({ email: 'j***@example.com', channels: ['whatsapp', 'voice'] }))).toBe(
      '📧 Klaxon has j***@example.com for you but email is not among your channels, so pages do not use it; add it with `/alert prefs channels whatsapp,voice,email`. Change it with `/alert email <address>`.',
    );
  });

  it('confirms a new address, advises how to opt in, and explains a refusal', () => {
    expect(emailSaved(contactDto({ email: 'j***@example.com', channels: ['sms'] }))).toBe(
      '✅ Saved: your email is j***@example.com. To be paged by email too, run `/alert prefs channels sms,email`.',
    );
    expect(emailSaved(contactDto({ email: 'j***@example.com', channels: ['email'] }))).toBe('✅ Saved: your email is j***@example.com.');
    expect(emailNotSet()).toBe('📧 You have not given Klaxon an email address. Set one with `/alert email you@example.com`.');
    expect(emailRejected('email: an email address such as jane@example.com')).toBe(
      '❌ Your email was not saved: email: an email address such as jane@example.com. Write just the address, e.g. `/alert email you@example.com`.',
    );
  });
});

describe('prefs', () => {
  it('shows everything Klaxon knows, masked, with the command that changes each', () => {
    const shown = prefsShown(contactDto({ email: 'j***@example.com', channels: ['whatsapp', 'voice', 'email'], time_zone: 'Europe/Berlin', quiet_hours: { start: '22:00', end: '07:00' } }));
    expect(shown.split('\n')).toEqual([
      '*How Klaxon reaches you*',
      '• Channels: WhatsApp, call and email — change with `/alert prefs channels whatsapp,voice,email`',
      '• Phone: +44 ******0958 — `/alert phone <number>`',
      '• Email: j***@example.com — `/alert email <address>`',
      '• Quiet hours: 22:00–07:00 (Europe/Berlin) — `/alert prefs quiet 22:00-07:00 Europe/Berlin` or `/alert prefs quiet off`',
    ]);
  });

  it('shows a number waiting for its code under the one pages use, and says when its code no longer works', () => {
    const pending = { phone: '+1 ******0101', channel: 'sms', expires_at: '2026-11-23T12:10:00.000Z', attempts_left: 5, usable: true };
    expect(prefsShown(contactDto(), pending).split('\n').slice(2, 4)).toEqual([
      '• Phone: +44 ******0958 — `/alert phone <number>`',
      '   ⏳ Waiting for the code sent to +1 ******0101 — `/alert phone verify <code>`.',
    ]);
    expect(prefsShown(contactDto(), { ...pending, usable: false })).toContain('The code sent to +1 ******0101 no longer works; ask for a new one with `/alert phone <number>`.');
  });

  it('shows the defaults to someone Klaxon has nothing for', () => {
    expect(prefsShown(null)).toMatch(/Channels: WhatsApp, call and SMS \(the default\).*\n.*Phone: none set, so the one in your Slack profile.*\n.*Email: none set.*\n.*Quiet hours: none/);
  });

  it('confirms channels and quiet hours in sentences', () => {
    expect(prefsSaved({ channels: ['whatsapp', 'email'] }, contactDto({ channels: ['whatsapp', 'email'] }))).toBe('✅ Saved: Klaxon may page you by WhatsApp and email.');
    expect(prefsSaved({ quietHours: { start: '22:00', end: '07:00' }, timeZone: 'Europe/Berlin' }, contactDto({ time_zone: 'Europe/Berlin', quiet_hours: { start: '22:00', end: '07:00' } }))).toBe(
      '✅ Saved: quiet hours 22:00–07:00 (Europe/Berlin). Low and medium pages wait until they end; high and critical ones still page you.',
    );
    expect(prefsSaved({ quietHours: null, timeZone: null }, contactDto())).toBe('✅ Saved: no quiet hours; every page reaches you at once.');
  });

  it.each([
    ['channels: email is listed but no email address is set; give `email` too, or leave email out of channels', /no email address for you\. Set one first with `\/alert email you@example\.com`/],
    ['time_zone: quiet hours are read in your time zone and none is set; give `time_zone` too', /does not know yours\. Add it, e\.g\. `\/alert prefs quiet 22:00-07:00 Europe\/Berlin`/],
    ['channels: each channel once', /^❌ Not saved: channels: each channel once\. `\/alert help`/],
  ])('turns the refusal %j into what to type instead', (detail, text) => {
    expect(prefsRejected(detail)).toMatch(text);
  });
});

describe('onCallShown', () => {
  const overview = (extra: Partial<OnCallOverviewDto>): OnCallOverviewDto => ({ tenant_id: 'T1', at: '2026-12-09T12:00:00.000Z', services: [], schedules: [], ...extra });
  // 2026-12-14T08:00Z and 2026-12-09T22:00Z as Slack date tokens: each reader sees their own zone.
  const monday = '<!date^1797235200^{date_short_pretty} {time}|2026-12-14 08:00 UTC>';
  const tonight = '<!date^1796853600^{date_short_pretty} {time}|2026-12-09 22:00 UTC>';

  it('names who is on call per service as mentions, until when, and who is next; a step past the first says why', () => {
    const text = onCallShown(
      overview({
        services: [
          {
            name: 'checkout',
            escalation_policy: 'standard',
            step: 1,
            on_call: [{ schedule: 'payments', person: 'U0ANNA', source: 'primary', until: '2026-12-14T08:00:00.000Z', next: { person: 'U0BEN', start: '2026-12-14T08:00:00.000Z' } }],
          },
          {
            name: 'db',
            escalation_policy: 'nights-first',
            step: 2,
            on_call: [
              { schedule: 'nights', person: 'U0NIA', source: 'override', until: '2026-12-09T22:00:00.000Z', next: { person: null, start: '2026-12-09T22:00:00.000Z' } },
              { schedule: null, person: 'U0LEAD', source: null, until: null, next: null },
            ],
          },
        ],
      }),
      null,
    );
    expect(text).toBe(
      [
        '*On call now*',
        `• *checkout*: <@U0ANNA> (payments) until ${monday}, then <@U0BEN>`,
        `• *db* (step 2: nobody is on call in the steps before): <@U0NIA> (nights) until ${tonight}, then nobody; <@U0LEAD>`,
      ].join('\n'),
    );
  });

  it('lists schedules while there are no services, nobody on call included', () => {
    const text = onCallShown(
      overview({
        schedules: [
          { schedule: 'nights', person: null, source: null, until: '2026-12-09T22:00:00.000Z', next: { person: 'U0NIA', start: '2026-12-09T22:00:00.000Z' } },
          { schedule: 'payments', person: 'U0ANNA', source: 'primary', until: null, next: null },
        ],
      }),
      null,
    );
    expect(text).toBe([`*On call now* (no services yet, so by schedule)`, `• *nights*: nobody on call until ${tonight}, then <@U0NIA>`, '• *payments*: <@U0ANNA>'].join('\n'));
  });

  it('titles a named answer with its name, says when nothing is set up, and when a name is unknown', () => {
    expect(onCallShown(overview({ schedules: [{ schedule: 'payments', person: 'U0ANNA', source: 'primary', until: null, next: null }] }), 'payments')).toBe('*On call now for payments*\n• *payments*: <@U0ANNA>');
    expect(onCallShown(overview({}), null)).toMatch(/^📟 Nobody is on call here yet: this workspace has no services or schedules/);
    expect(onCallUnknown('paymnets')).toBe('There is no service or schedule `paymnets` in this workspace. `/alert oncall` lists the services.');
  });
});

describe('maintenance', () => {
  const date = (iso: string) => `<!date^${Date.parse(iso) / 1000}^{date_short_pretty} {time}|${iso.slice(0, 16).replace('T', ' ')} UTC>`;
  const window = (fields: Partial<MaintenanceDto>): MaintenanceDto => ({
    id: '0a7e2d6b-6bd4-4c55-9d0c-0d1f3c8a6c51',
    tenant_id: 'T0',
    service: 'payments',
    start: '2026-12-09T12:00:00.000Z',
    end: '2026-12-09T14:00:00.000Z',
    planned_end: '2026-12-09T14:00:00.000Z',
    reason: null,
    created_by: 'U0ANNA',
    ended_early_at: null,
    active: true,
    created_at: '2026-12-09T12:00:00.000Z',
    ...fields,
  });

  it('says until when a service is quiet, why, and how to end it', () => {
    expect(maintenanceOpened(window({ reason: 'deploying <4.2>' }))).toBe(
      `🔧 *payments* is in maintenance until ${date('2026-12-09T14:00:00.000Z')} (deploying &lt;4.2&gt;): its alerts are recorded and page nobody, and are not paged later. End it early with \`/alert maintenance payments end\`.`,
    );
  });

  it('lists current windows by their end and upcoming ones by start and end, with who opened them', () => {
    expect(maintenanceList([window({}), window({ service: 'search', active: false, start: '2026-12-10T08:00:00.000Z', end: '2026-12-10T09:00:00.000Z', created_by: 'api', reason: 'db upgrade' })])).toBe(
      [
        '*Maintenance* (alerts for these services page nobody)',
        `• *payments* until ${date('2026-12-09T14:00:00.000Z')} (by <@U0ANNA>)`,
        `• *search* from ${date('2026-12-10T08:00:00.000Z')} until ${date('2026-12-10T09:00:00.000Z')} (by the API): db upgrade`,
      ].join('\n'),
    );
    expect(maintenanceList([])).toMatch(/^🔧 No service is in maintenance/);
  });

  it('says a page for a service in maintenance was recorded and paged nobody', () => {
    expect(recordedInMaintenance({ number: 7 }, { name: 'payments' })).toBe(
      '🔧 #7 recorded for *payments*, which is in maintenance: nobody was paged, now or when the window ends. `/alert maintenance` shows until when.',
    );
    expect(recordedInMaintenance({ number: 7 }, { usergroup: 'S0PAY', handle: '@payments-oncall' })).toMatch(/^🔧 #7 recorded for @payments-oncall, which/);
  });

  it('says whether ending found a window', () => {
    expect(maintenanceEnded('payments', [window({ active: false })])).toBe("✅ *payments*'s maintenance ended: its alerts page again.");
    expect(maintenanceEnded('payments', [])).toMatch(/^\*payments\* is not in maintenance/);
  });
});

describe('help, acks and failures', () => {
  it('lists every form in the help', () => {
    for (const form of ['/alert @jane', '/alert ack 42', '/alert resolve 42', '/alert list', '/alert status 42', '/alert phone +', '/alert phone verify 123456', '/alert phone`', '/alert email you@', '/alert prefs`', '/alert prefs channels ', '/alert prefs quiet 22:00-07:00 Europe/Berlin', '/alert prefs quiet off', '/alert test', '/alert oncall [name]', '/alert help']) {
      expect(HELP_TEXT).toContain(form);
    }
    expect(helpMessage('Nope.')).toBe(`Nope.\n\n${HELP_TEXT}`);
  });

  it.each([
    [{ kind: 'page', userIds: ['U1', 'U2'], service: null, severity: 'high', message: 'm' }, '⏳ Raising an alert for <@U1>, <@U2>…'],
    [{ kind: 'page', userIds: [], service: { usergroup: 'S0PAY', handle: '@payments-oncall' }, severity: 'high', message: 'm' }, '⏳ Raising an alert for @payments-oncall…'],
    [{ kind: 'page', userIds: ['U1'], service: { name: 'payments' }, severity: 'high', message: 'm' }, '⏳ Raising an alert for <@U1>, payments…'],
    [{ kind: 'acknowledge', number: 4, note: null }, '⏳ Acknowledging #4…'],
    [{ kind: 'resolve', number: 4, note: null }, '⏳ Resolving #4…'],
    [{ kind: 'list', status: null }, '⏳ Looking up alerts…'],
    [{ kind: 'status', number: 4 }, '⏳ Looking up #4…'],
    [{ kind: 'phone-show' }, '⏳ Looking up your number…'],
    [{ kind: 'phone-set', phone: '1' }, '⏳ Sending a code to your number…'],
    [{ kind: 'phone-verify', code: '123456' }, '⏳ Checking your code…'],
    [{ kind: 'email-show' }, '⏳ Looking up your email…'],
    [{ kind: 'email-set', email: 'a@b.c' }, '⏳ Saving your email…'],
    [{ kind: 'prefs-show' }, '⏳ Looking up your settings…'],
    [{ kind: 'prefs-set', change: { channels: ['sms'] } }, '⏳ Saving your settings…'],
    [{ kind: 'oncall', name: null }, '⏳ Looking up who is on call…'],
  ] as const)('acks %j at once', (command, text) => {
    expect(workingOn(structuredClone(command) as Parameters<typeof workingOn>[0])).toBe(text);
  });

  it('says plainly that nothing was paged, and what to do', () => {
    expect(nothingPaged('the Klaxon backend is unreachable')).toBe(
      '❌ Nothing was paged: the Klaxon backend is unreachable. Try again in a minute; if it keeps failing, phone the person directly and tell #ops that Klaxon is down.',
    );
  });
});

describe('text that did not come through Slack', () => {
  const injection = '<!channel> <https://evil.example/ack|Acknowledge here>';
  const escaped = '&lt;!channel&gt; &lt;https://evil.example/ack|Acknowledge here&gt;';

  it('shows an API alert’s message escaped in lists and timelines, a Slack one as typed', () => {
    expect(alertList([alertFixture({ origin: 'api', message: injection })], null, now)).toContain(`critical: ${escaped} —`);
    expect(alertList([alertFixture({ origin: 'slack', message: 'ask <@U456>' })], null, now)).toContain('critical: ask <@U456> —');
  });

  it('escapes API actors, target names and every note, and mentions an actor only when it is a well-formed Slack user id', () => {
    // Any caller of the backend's API names the actor: `slack:` proves nothing about where a note was typed.
    const events = [
      eventFixture('acknowledged', {}, { actor: 'deploy&bot', note: injection }),
      eventFixture('notification.cancelled', { ...page, detail: null }, { note: injection }),
      eventFixture('resolved', {}, { actor: 'slack:U0001', note: injection }),
      eventFixture('resolved', {}, { actor: 'slack:U0001 and everyone' }),
    ];
    const timeline = alertTimeline(alertFixture({ origin: 'api' }), events, now);
    expect(timeline).toContain(`acknowledged by deploy&amp;bot: “${escaped}”`);
    expect(timeline).toContain(`not sent: the alert was already handled: “${escaped}”`);
    expect(timeline).toContain(`resolved by <@U0001>: “${escaped}”`);
    expect(timeline).toContain('resolved by slack:U0001 and everyone');
    expect(timeline).not.toContain('<!channel>');
    const named = alertFixture({ targets: [{ ...targetFixture('U1', ['sms']), slack_user_id: null, name: '<!here>' }] });
    expect(pageOutcome(named, false)).toContain('&lt;!here&gt; (SMS)');
  });
});
