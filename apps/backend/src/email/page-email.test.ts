import { FIXTURE_CREATED_AT as createdAt, outboundMessageFixture } from '../../test/message-fixture';
import type { MessageAlert, OutboundMessage } from '../channels/channel';
import { escapeHtml, pageEmail, raiserOf, SUBJECT_MAX_CHARS } from './page-email';

const page = (alert: Partial<MessageAlert> = {}, extra: Partial<OutboundMessage> = {}): OutboundMessage =>
  outboundMessageFixture('jane@example.com', alert, { now: new Date(createdAt.getTime() + 3 * 60_000), ...extra });

describe('pageEmail', () => {
  it('says number, severity and message in the subject', () => {
    expect(pageEmail(page()).subject).toBe('[Klaxon #42 CRITICAL] checkout is down');
  });

  it('writes the plain text with every fact and how to acknowledge', () => {
    expect(pageEmail(page()).text).toBe(
      [
        'Klaxon alert #42 (CRITICAL)',
        '',
        'checkout is down',
        '',
        'Alert:     #42',
        'Severity:  CRITICAL',
        'Raised by: deploy-bot',
        'Raised at: 2026-11-30 08:00 UTC (3 min ago)',
        '',
        "To acknowledge, run /alert ack 42 in Slack, or press Acknowledge on the alert's message in its channel.",
        '',
        '-- ',
        'Klaxon paged you because you are on call for this alert.',
      ].join('\n'),
    );
  });

  it('writes the same facts in the HTML', () => {
    const { html } = pageEmail(page());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<strong>Klaxon alert #42</strong>');
    expect(html).toContain('>CRITICAL</span>');
    expect(html).toContain('>checkout is down</p>');
    expect(html).toContain('<th style="text-align: left; padding: 2px 16px 2px 0; color: #505a5f; font-weight: normal;">Raised by</th><td style="padding: 2px 0;">deploy-bot</td>');
    expect(html).toContain('2026-11-30 08:00 UTC (3 min ago)');
    expect(html).toContain('/alert ack 42</code> in Slack');
  });

  it('does not send people to Slack for an alert that is not in Slack', () => {
    const { text, html } = pageEmail(page({ inSlack: false }));
    expect(text).toContain('To acknowledge, acknowledge alert #42 where it was raised (deploy-bot).');
    expect(html).toContain('To acknowledge, acknowledge alert #42 where it was raised (deploy-bot).');
    expect(`${text}${html}`).not.toMatch(/slack/i);
  });

  it('escapes everything that came from outside in the HTML, and keeps it literal in the text', () => {
    const message = '<script>alert("x")</script> & <b>db</b> \'down\'';
    const { subject, text, html } = pageEmail(page({ message, raisedBy: '<img src=x onerror=alert(1)>' }));

    expect(html).not.toMatch(/<script|<b>|<img/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;db&lt;/b&gt; &#39;down&#39;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain(message);
    expect(subject).toBe(`[Klaxon #42 CRITICAL] ${message}`);
  });

  it('reads text typed in Slack as Slack markup: mentions, channels, links and entities', () => {
    const { text, html } = pageEmail(page({ origin: 'slack', raisedBy: '<@U0123ABCD>', message: '<!here> db &lt;primary&gt; &amp; replica down, see <https://status.example.com|status> cc <@U999|bob> in <#C42|ops>' }));

    expect(text).toContain('@here db <primary> & replica down, see status (https://status.example.com) cc @bob in #ops');
    expect(text).toContain('Raised by: Slack user U0123ABCD');
    expect(html).toContain('@here db &lt;primary&gt; &amp; replica down');
  });

  it('keeps text from the API as it came, even when it looks like Slack markup', () => {
    expect(pageEmail(page({ origin: 'api', message: 'a &amp; b <@U1>' })).text).toContain('\na &amp; b <@U1>\n');
  });

  it('puts the message on one line in the subject and cuts a long one with an ellipsis', () => {
    const long = `disk\nfull on ${'db-'.repeat(60)}primary 🔥`;
    const { subject, text } = pageEmail(page({ message: long }));

    expect(Array.from(subject)).toHaveLength(SUBJECT_MAX_CHARS);
    expect(subject).toMatch(/^\[Klaxon #42 CRITICAL\] disk full on db-db-.*…$/);
    expect(subject).not.toMatch(/\n/);
    expect(text).toContain(long);
  });

  it('never cuts an emoji in half', () => {
    const subject = pageEmail(page({ message: '🔥'.repeat(200) })).subject;
    expect(subject).toBe(`[Klaxon #42 CRITICAL] ${'🔥'.repeat(SUBJECT_MAX_CHARS - 23)}…`);
  });

  it.each([
    ['low', '#1d70b8'],
    ['critical', '#942514'],
  ] as const)('marks severity %s in colour', (severity, colour) => {
    expect(pageEmail(page({ severity })).html).toContain(`background: ${colour}; color: #fff; font-weight: bold; padding: 2px 8px; border-radius: 3px;">${severity.toUpperCase()}</span>`);
  });

  it('says "(no message)" rather than an empty body', () => {
    expect(pageEmail(page({ message: '  ' })).text).toContain('\n(no message)\n');
  });
});

describe('raiserOf', () => {
  it.each([
    [{ raisedBy: '<@U0123ABCD>', origin: 'slack' }, 'Slack user U0123ABCD'],
    [{ raisedBy: '<@U0123ABCD|jane>', origin: 'slack' }, '@jane'],
    [{ raisedBy: 'deploy-bot', origin: 'api' }, 'deploy-bot'],
    [{ raisedBy: null, origin: 'alertmanager' }, 'Alertmanager'],
    [{ raisedBy: null, origin: 'api' }, 'the Klaxon API'],
    [{ raisedBy: '', origin: 'slack' }, 'someone in Slack'],
  ] as const)('%j → %s', (who, expected) => expect(raiserOf(who)).toBe(expected));
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
