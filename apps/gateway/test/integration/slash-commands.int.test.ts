import { alertFixture, targetFixture, type FakeSlackApi } from '@klaxon/testing';
import { sendSlashCommand, startGatewayStack, type GatewayHarness, type GatewayStack, type ScriptedBackend } from './harness';

/** A ContactDto as the backend sends it (masked), with the defaults a new contact gets. */
function contactAnswer(userId: string) {
  return { tenant_id: 'T0001', slack_user_id: userId, name: null, phone: '+44 ******0958', email: null, channels: ['whatsapp', 'voice', 'sms'], time_zone: null, quiet_hours: null, source: 'self', updated_at: new Date().toISOString() };
}

/** What the backend would store from a PUT body, for a scripted answer. */
function contactFields(body: Record<string, unknown>) {
  return { ...('channels' in body ? { channels: body.channels } : {}), ...('quiet_hours' in body ? { quiet_hours: body.quiet_hours } : {}), time_zone: body.time_zone ?? 'Europe/Berlin' };
}

describe('/alert through the real Bolt receiver, against a scripted backend', () => {
  let slack: FakeSlackApi;
  let backend: ScriptedBackend;
  let gateway: GatewayHarness;

  let stack: GatewayStack;
  beforeAll(async () => {
    stack = await startGatewayStack();
    ({ slack, backend, gateway } = stack);
  });
  afterAll(() => stack.close());

  /** Sends `/alert <text>`, returns the ack text and the outcome posted to response_url. */
  async function run(text: string, userId = 'U0001') {
    const id = `r-${Math.random().toString(36).slice(2)}`;
    const ack = await sendSlashCommand(gateway.url, { text, user_id: userId, response_url: slack.responseUrl(id) });
    expect(ack.status).toBe(200);
    const outcome = await slack.waitForResponse((body) => slack.responses(id).includes(body), 5000);
    expect(outcome).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    return { ack: JSON.parse(ack.body).text as string, outcome: String(outcome.text), ackMs: ack.ackMs };
  }

  it('pages, and names who is paged how and who cannot be reached', async () => {
    backend.on('POST', '/slack/alert', {
      status: 201,
      body: alertFixture({ targets: [targetFixture('U1AAA', ['whatsapp', 'voice']), targetFixture('U3CCC', [], 'no phone number')] }),
    });
    const { ack, outcome } = await run('<@U1AAA|jane> <@U3CCC> critical checkout is down');
    expect(ack).toBe('⏳ Raising an alert for <@U1AAA>, <@U3CCC>…');
    expect(outcome).toBe("🚨 #42 paging <@U1AAA> (WhatsApp + call); <@U3CCC> can't be paged (no phone number) — ask them to run `/alert phone`");
    expect(backend.requestsTo('POST', '/slack/alert').at(-1)!.body).toMatchObject({
      severity: 'critical',
      message: 'checkout is down',
      targets: [{ slack_user_id: 'U1AAA' }, { slack_user_id: 'U3CCC' }],
    });
  });

  it('says a 200 answer joined the existing open alert', async () => {
    backend.on('POST', '/slack/alert', { status: 200, body: alertFixture({ number: 41 }) });
    const { outcome } = await run('<@U1AAA> checkout is down');
    expect(outcome).toMatch(/^🔁 Joined the existing open alert #41 \(triggered\)/);
  });

  it('retries a failing backend with the same request id, so it pages exactly once', async () => {
    let calls = 0;
    backend.on('POST', '/slack/alert', () => {
      calls++;
      return calls < 3 ? { status: 503, body: { error: 'database_unavailable', detail: 'db down' } } : { status: 201, body: alertFixture({ number: 43 }) };
    });
    const before = backend.requestsTo('POST', '/slack/alert').length;
    const { outcome } = await run('<@U1AAA> retry me');
    expect(outcome).toMatch(/^🚨 #43 paging/);
    const ids = backend.requestsTo('POST', '/slack/alert').slice(before).map((r) => r.headers['x-request-id']);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
  });

  it('says plainly that nothing was paged when the backend stays down', async () => {
    backend.on('POST', '/slack/alert', { status: 503, body: { error: 'database_unavailable', detail: 'db down' } });
    const { outcome, ackMs } = await run('<@U1AAA> still down');
    expect(ackMs).toBeLessThan(3000);
    expect(outcome).toMatch(/^❌ Nothing was paged: the Klaxon backend cannot reach its database\. Try again in a minute; .*phone the person directly/);
  });

  it('says nothing was paged when rate limited, in the backend\'s words (whose limit, how long to wait)', async () => {
    const detail = '<@U0007> has raised 20 alerts in 1 min, the most Klaxon takes from one person; wait 30 s, or phone the people you need';
    backend.on('POST', '/slack/alert', { status: 429, headers: { 'retry-after': '30' }, body: { error: 'rate_limited', detail } });
    const { outcome } = await run('<@U1AAA> too many');
    expect(outcome).toBe(`⏳ Nothing was paged: ${detail}.`);
  });

  it('falls back to the wait Retry-After asked for when a 429 carries no detail', async () => {
    backend.on('POST', '/slack/alert', { status: 429, headers: { 'retry-after': '30' }, body: { error: 'rate_limited', detail: '' } });
    const { outcome } = await run('<@U1AAA> too many');
    expect(outcome).toBe('⏳ Nothing was paged: Klaxon is receiving too many requests right now (it asks to wait 30 s).');
  });

  it.each([
    ['ack #42 on it', 'acknowledge', { status: 'acknowledged' as const }, '✅ #42 acknowledged', { actor: 'slack:U0007', note: 'on it' }],
    ['resolve 42', 'resolve', { status: 'resolved' as const }, '✅ #42 resolved', { actor: 'slack:U0007' }],
    // Slack's markup becomes the text people read: every note is plain text, escaped wherever it is shown.
    ['ack 42 cc <@U0009|bob> &amp; <!here>', 'acknowledge', { status: 'acknowledged' as const }, '✅ #42 acknowledged', { actor: 'slack:U0007', note: 'cc @bob & @here' }],
  ])('%s: PUTs the transition as the user and confirms', async (text, kind, change, expected, sent) => {
    backend.on('PUT', `/alerts/42/${kind}`, { status: 200, body: alertFixture(change) });
    const { outcome } = await run(text, 'U0007');
    expect(outcome).toBe(expected);
    const put = backend.requestsTo('PUT', `/alerts/42/${kind}`).at(-1)!;
    expect(put.path).toBe(`/alerts/42/${kind}?tenant_id=T0001`);
    expect(put.body).toEqual(sent);
  });

  it('says who acknowledged first when the alert is already acknowledged', async () => {
    const at = new Date(Date.now() - 2 * 60_000 - 5_000).toISOString();
    backend.on('PUT', '/alerts/42/acknowledge', {
      status: 409,
      body: { error: 'invalid_transition', detail: 'already acknowledged', current: { status: 'acknowledged', by: 'slack:U2BBB', at } },
    });
    expect((await run('ack 42')).outcome).toBe('#42 is already acknowledged by <@U2BBB> 2 minutes ago');
  });

  it('says an unknown alert number does not exist', async () => {
    backend.on('PUT', '/alerts/999/resolve', { status: 404, body: { error: 'not_found', detail: 'no alert 999' } });
    expect((await run('resolve 999')).outcome).toBe('There is no alert #999 in this workspace. `/alert list` shows the open ones.');
  });

  it('lists open alerts: triggered and acknowledged, newest first', async () => {
    backend.on('GET', '/alerts', (_req, url) =>
      url.searchParams.get('status') === 'triggered'
        ? { status: 200, body: { alerts: [alertFixture({ number: 40, created_at: new Date(Date.now() - 3 * 3600_000).toISOString() })], next_cursor: null } }
        : { status: 200, body: { alerts: [alertFixture({ number: 42, status: 'acknowledged', acknowledged_by: 'slack:U2BBB', acknowledged_at: new Date().toISOString() })], next_cursor: null } },
    );
    const { outcome } = await run('list');
    expect(outcome.split('\n')).toEqual([
      '*Open alerts*',
      '• 🔴 *#42* critical: checkout is down — acknowledged by <@U2BBB> just now',
      '• 🔴 *#40* critical: checkout is down — triggered 3 hours ago',
    ]);
    const statuses = backend.requestsTo('GET', '/alerts').slice(-2).map((r) => new URL(r.path, 'http://x').searchParams.get('status'));
    expect(statuses.sort()).toEqual(['acknowledged', 'triggered']);
  });

  it('lists one state, and says when there is none', async () => {
    backend.on('GET', '/alerts', { status: 200, body: { alerts: [], next_cursor: null } });
    expect((await run('list resolved')).outcome).toBe('No resolved alerts.');
    expect(backend.requestsTo('GET', '/alerts').at(-1)!.path).toBe('/alerts?tenant_id=T0001&status=resolved&limit=20');
  });

  it('shows the status timeline of an alert', async () => {
    backend.on('GET', '/alerts/42', { status: 200, body: alertFixture({ created_at: new Date().toISOString() }) });
    backend.on('GET', '/alerts/42/events', {
      status: 200,
      body: { alert_id: 'x', events: [{ id: 1, kind: 'created', actor: 'slack:U0001', note: null, data: {}, at: new Date().toISOString() }] },
    });
    expect((await run('status #42')).outcome).toBe('🔴 *#42* critical: checkout is down — triggered just now\n• just now: raised by <@U0001>');
  });

  it('sends a code to a new number, says how to confirm, shows it waiting, and confirms it', async () => {
    const path = '/slack/contacts/T0001/U0009/phone';
    const pending = { phone: '+44 ******0958', channel: 'sms', expires_at: new Date(Date.now() + 10 * 60_000).toISOString(), attempts_left: 5, usable: true };
    backend.on('PUT', path, { status: 200, body: { tenant_id: 'T0001', slack_user_id: 'U0009', phone: '+1 ******0131', pending } });
    backend.on('GET', path, { status: 200, body: { tenant_id: 'T0001', slack_user_id: 'U0009', phone: '+1 ******0131', pending } });
    const { ack, outcome } = await run('phone +44 20 7946 0958', 'U0009');
    expect(ack).toBe('⏳ Sending a code to your number…');
    expect(outcome).toBe(
      '📨 A code was sent by SMS to +44 ******0958. Confirm the number with `/alert phone verify 123456` (your code, within 10 minutes). Until then Klaxon keeps paging you at +1 ******0131.',
    );
    expect(backend.requestsTo('PUT', path).at(-1)!.body).toEqual({ phone: '+44 20 7946 0958' });
    expect((await run('phone', 'U0009')).outcome).toBe(
      '📱 Klaxon pages you at +1 ******0131. Change it with `/alert phone <number>`.\n⏳ Waiting for the code sent to +44 ******0958 — `/alert phone verify <code>`.',
    );

    backend.on('POST', `${path}/verify`, { status: 200, body: { tenant_id: 'T0001', slack_user_id: 'U0009', phone: '+44 ******0958', pending: null } });
    expect((await run('phone verify 123 456', 'U0009')).outcome).toBe('✅ Confirmed: Klaxon will page you at +44 ******0958.');
    expect(backend.requestsTo('POST', `${path}/verify`).at(-1)!.body).toEqual({ code: '123456' });
  });

  it('explains a refused number, a wrong code, a code not sent and a resend too soon; advises when no number is set', async () => {
    const path = '/slack/contacts/T0001/U0010/phone';
    backend.on('PUT', path, { status: 422, body: { error: 'invalid_field', detail: 'phone: not a valid number for region US' } });
    expect((await run('phone 12', 'U0010')).outcome).toMatch(/^❌ Your number was not saved: phone: not a valid number for region US\./);
    backend.on('PUT', path, { status: 502, body: { error: 'not_sent', detail: 'the code could not be sent by sms to +1 ******0199: Twilio 21211: not a valid phone number' } });
    expect((await run('phone +1 415 555 0199', 'U0010')).outcome).toBe(
      '❌ No code was sent, so your number was not changed: the code could not be sent by sms to +1 ******0199: Twilio 21211: not a valid phone number.',
    );
    backend.on('PUT', path, { status: 429, headers: { 'retry-after': '30' }, body: { error: 'rate_limited', detail: 'a code was sent a moment ago; a new one can be sent in 30 s' } });
    expect((await run('phone +1 415 555 0198', 'U0010')).outcome).toBe('⏳ No code was sent, so your number was not changed: a code was sent a moment ago; a new one can be sent in 30 s.');
    backend.on('POST', `${path}/verify`, { status: 409, body: { error: 'verification_failed', detail: 'wrong code for +1 ******0198; 4 attempts left' } });
    expect((await run('phone verify 000000', 'U0010')).outcome).toBe('❌ Your number was not confirmed: wrong code for +1 ******0198; 4 attempts left.');
    // A malformed code is answered by the parser in the ack, and reaches no backend.
    const verifies = backend.requestsTo('POST', `${path}/verify`).length;
    const help = await sendSlashCommand(gateway.url, { text: 'phone verify 12ab', user_id: 'U0010', response_url: slack.responseUrl('verify-help') });
    expect(JSON.parse(help.body).text).toMatch(/^That is not a code: it is the six digits Klaxon sent to your new number/);
    expect(backend.requestsTo('POST', `${path}/verify`)).toHaveLength(verifies);
    backend.on('GET', path, { status: 200, body: { tenant_id: 'T0001', slack_user_id: 'U0010', phone: null, pending: null } });
    expect((await run('phone', 'U0010')).outcome).toMatch(/You have not given Klaxon a number/);
  });

  it('sets the email and shows it back masked; an address-only contact has no number to show', async () => {
    const contact = { ...contactAnswer('U0011'), phone: null, email: 'j***@example.com' };
    backend.on('PUT', '/contacts/T0001/U0011', { status: 200, body: contact });
    backend.on('GET', '/contacts/T0001/U0011', { status: 200, body: contact });

    const { ack, outcome } = await run('email jane@example.com', 'U0011');
    expect(ack).toBe('⏳ Saving your email…');
    expect(outcome).toBe('✅ Saved: your email is j***@example.com. To be paged by email too, run `/alert prefs channels whatsapp,voice,sms,email`.');
    expect(backend.requestsTo('PUT', '/contacts/T0001/U0011').at(-1)!.body).toEqual({ email: 'jane@example.com' });
    expect((await run('email', 'U0011')).outcome).toMatch(/^📧 Klaxon has j\*\*\*@example\.com for you but email is not among your channels/);
    backend.on('GET', '/slack/contacts/T0001/U0011/phone', { status: 200, body: { tenant_id: 'T0001', slack_user_id: 'U0011', phone: null, pending: null } });
    expect((await run('phone', 'U0011')).outcome).toMatch(/You have not given Klaxon a number/);
  });

  it('sends /alert prefs channels and quiet hours as the contact fields, and explains a refusal', async () => {
    backend.on('PUT', '/contacts/T0001/U0012', (req) => ({ status: 200, body: { ...contactAnswer('U0012'), ...contactFields(req.body as Record<string, unknown>) } }));

    expect((await run('prefs channels text call', 'U0012')).outcome).toBe('✅ Saved: Klaxon may page you by SMS and call.');
    expect((await run('prefs quiet 22:00-07:00 Europe/Berlin', 'U0012')).outcome).toMatch(/^✅ Saved: quiet hours 22:00–07:00 \(Europe\/Berlin\)\./);
    expect((await run('prefs quiet 23:00-06:00', 'U0012')).outcome).toMatch(/^✅ Saved: quiet hours 23:00–06:00/);
    expect((await run('prefs quiet off', 'U0012')).outcome).toBe('✅ Saved: no quiet hours; every page reaches you at once.');
    expect(backend.requestsTo('PUT', '/contacts/T0001/U0012').map((r) => r.body)).toEqual([
      { channels: ['sms', 'voice'] },
      { quiet_hours: { start: '22:00', end: '07:00' }, time_zone: 'Europe/Berlin' },
      { quiet_hours: { start: '23:00', end: '06:00' } },
      { quiet_hours: null },
    ]);

    backend.on('PUT', '/contacts/T0001/U0012', { status: 422, body: { error: 'invalid_field', detail: 'channels: email is listed but no email address is set; give `email` too, or leave email out of channels' } });
    expect((await run('prefs channels email', 'U0012')).outcome).toMatch(/^❌ Not saved: email is among the channels, but Klaxon has no email address for you\. Set one first with `\/alert email/);
  });

  it('sends the caller TEST pages and says per channel what happened', async () => {
    backend.on('POST', '/test-pages', {
      status: 200,
      body: {
        tenant_id: 'T0001',
        slack_user_id: 'U0015',
        reason: null,
        results: [
          { channel: 'whatsapp', to: '+44 ******0958', outcome: 'sent', provider_message_id: 'SM1', detail: null },
          { channel: 'voice', to: '+44 ******0958', outcome: 'failed', provider_message_id: null, detail: 'Twilio refused the number (21215)' },
          { channel: 'email', to: null, outcome: 'no_address', provider_message_id: null, detail: null },
        ],
      },
    });
    const { ack, outcome } = await run('test', 'U0015');
    expect(ack).toBe('⏳ Sending you a TEST page on each channel you accept…');
    expect(outcome).toBe(
      [
        '🧪 TEST pages: 2 of 3 channels did not go out:',
        '• WhatsApp to +44 ******0958: ✅ accepted by the provider',
        '• call to +44 ******0958: ❌ not sent: Twilio refused the number (21215)',
        '• email: ⚪ no address (set one with `/alert phone` or `/alert email`)',
        'No alert was created; nothing to acknowledge.',
      ].join('\n'),
    );
    expect(backend.requestsTo('POST', '/test-pages').map((r) => r.body)).toEqual([{ tenant_id: 'T0001', slack_user_id: 'U0015' }]);
  });

  it('shows the settings, with a number waiting for its code, or the defaults when nothing is stored', async () => {
    backend.on('GET', '/contacts/T0001/U0013', { status: 200, body: { ...contactAnswer('U0013'), time_zone: 'UTC', quiet_hours: { start: '01:00', end: '05:00' } } });
    backend.on('GET', '/slack/contacts/T0001/U0013/phone', {
      status: 200,
      body: { tenant_id: 'T0001', slack_user_id: 'U0013', phone: '+44 ******0958', pending: { phone: '+1 ******0101', channel: 'sms', expires_at: '2026-11-23T12:10:00.000Z', attempts_left: 5, usable: true } },
    });
    expect((await run('prefs', 'U0013')).outcome).toMatch(
      /^\*How Klaxon reaches you\*\n• Channels: WhatsApp, call and SMS — .*\n• Phone: \+44 \*{6}0958 .*\n {3}⏳ Waiting for the code sent to \+1 \*{6}0101 — `\/alert phone verify <code>`\.\n• Email: none set .*\n• Quiet hours: 01:00–05:00 \(UTC\)/,
    );
    backend.on('GET', '/slack/contacts/T0001/U0014/phone', { status: 200, body: { tenant_id: 'T0001', slack_user_id: 'U0014', phone: null, pending: null } });
    expect((await run('prefs', 'U0014')).outcome).toMatch(/Channels: WhatsApp, call and SMS \(the default\)/);
  });

  it('answers a malformed /alert prefs or /alert email in the ack, without calling the backend', async () => {
    const before = backend.requests.length;
    for (const [text, problem] of [
      ['prefs channels whatsapp pigeon', /I don't know the channel `pigeon`/],
      ['prefs quiet 22:00-07:00 Mars/Base', /`Mars\/Base` is not a time zone I know/],
      ['email jane', /`jane` is not an email address/],
    ] as const) {
      const ack = await sendSlashCommand(gateway.url, { text });
      expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(problem) });
    }
    expect(backend.requests.length).toBe(before);
  });

  it('answers help in the ack itself, without calling the backend', async () => {
    const before = backend.requests.length;
    const ack = await sendSlashCommand(gateway.url, { text: 'help' });
    expect(JSON.parse(ack.body).text).toMatch(/^\*Klaxon\* pages people.*\n• `\/alert @jane/);
    const plain = await sendSlashCommand(gateway.url, { text: '@jane critical disk full' });
    expect(JSON.parse(plain.body).text).toMatch(/Escape channels, users, and links/);
    expect(backend.requests.length).toBe(before);
  });

  it('acks at once while the backend takes 5 s to answer', async () => {
    backend.on('GET', '/alerts/7', { status: 200, delayMs: 5000, body: alertFixture({ number: 7 }) });
    backend.on('GET', '/alerts/7/events', { status: 200, delayMs: 5000, body: { alert_id: 'x', events: [] } });
    const ack = await sendSlashCommand(gateway.url, { text: 'status 7', response_url: slack.responseUrl('slow-status') });
    expect(ack.status).toBe(200);
    // Not a speed benchmark: the ack simply must not wait for the 5 s backend.
    expect(ack.ackMs).toBeLessThan(3000);
    expect(JSON.parse(ack.body).text).toBe('⏳ Looking up #7…');
    const outcome = await slack.waitForResponse((b) => slack.responses('slow-status').includes(b), 5000);
    expect(outcome.text).toBe('❌ Could not look up #7: the Klaxon backend did not answer in time. Try again in a minute.');
  });
});
