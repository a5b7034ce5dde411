import { cutSlackText, cutText, escapeSlackText, slackToPlain, stripBidiControls } from './text';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('cutText', () => {
  it.each([
    ['fits: unchanged', 'checkout is down', 16, 'checkout is down'],
    ['empty', '', 5, ''],
    ['cut with …, within max', 'checkout is down', 10, 'checkout…'],
    ['trailing space before … dropped', 'ab cd', 4, 'ab…'],
    ['an emoji is never halved (pair would straddle the cut)', 'ab🔥cd', 4, 'ab…'],
    ['an emoji that fits whole is kept', 'ab🔥cd', 5, 'ab🔥…'],
    ['CJK counts one unit each', '障害が発生しました', 5, '障害が発…'],
    ['no room even for …', 'abc', 0, ''],
  ])('%s', (_name, text, max, expected) => {
    const cut = cutText(text, max);
    expect(cut).toBe(expected);
    expect(cut.length).toBeLessThanOrEqual(Math.max(max, 0));
    expect(cut).not.toMatch(LONE_SURROGATE);
  });

  it('never exceeds max nor leaves a lone surrogate, for every max over an emoji string', () => {
    const text = `a${'🔥'.repeat(20)}`;
    for (let max = 0; max <= text.length + 1; max++) {
      const cut = cutText(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).not.toMatch(LONE_SURROGATE);
    }
  });
});

describe('escapeSlackText', () => {
  it('escapes &, < and > so mrkdwn cannot ping, link or mention', () => {
    expect(escapeSlackText('<!channel> <https://evil.example/ack|Acknowledge here> & <@U123>')).toBe(
      '&lt;!channel&gt; &lt;https://evil.example/ack|Acknowledge here&gt; &amp; &lt;@U123&gt;',
    );
  });
});

describe('cutSlackText', () => {
  it.each([
    ['does not leave half a mention', 'ask <@U0123456789> now', 10, 'ask…'],
    ['does not leave half an entity', 'a &amp; b', 5, 'a…'],
    ['keeps whole tokens before the cut', 'hi <@U1> and more text', 12, 'hi <@U1> an…'],
    ['fits: unchanged', 'a &lt;b&gt;', 11, 'a &lt;b&gt;'],
  ])('%s', (_name, text, max, expected) => {
    const cut = cutSlackText(text, max);
    expect(cut).toBe(expected);
    expect(cut.length).toBeLessThanOrEqual(max);
  });
});

describe('stripBidiControls', () => {
  it('takes out every embedding, override, isolate and mark, and nothing else', () => {
    const controls = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C';
    expect(stripBidiControls(`a${controls}b \u202Egnp.exe\u202C`)).toBe('ab gnp.exe');
    // Joiners build emoji sequences and shape scripts; Arabic and Hebrew text itself is no control.
    const kept = '👩\u200D💻 می\u200Cخواهم שלום مرحبا\n\ttab';
    expect(stripBidiControls(kept)).toBe(kept);
  });
});

describe('slackToPlain', () => {
  it.each([
    ['<@U1> and <@U2|amy>', 'Slack user U1 and @amy'],
    ['<#C1> <#C2|ops>', '#C1 #ops'],
    ['<!channel> <!subteam^S1|@oncall> <!subteam^S2>', '@channel @oncall @subteam'],
    ['<https://x.example> <https://y.example|docs> <mailto:a@example.com|a@example.com>', 'https://x.example docs (https://y.example) a@example.com'],
    ['5 &lt; 6 &amp;&amp; 7 &gt; 3', '5 < 6 && 7 > 3'],
    ['&amp;lt; stays one level', '&lt; stays one level'],
  ])('%s → %s', (markup, plain) => expect(slackToPlain(markup)).toBe(plain));
});
