// Text helpers shared by the backend (pages, channel messages) and the gateway (replies). Lengths are
// UTF-16 code units (JS string length): what Twilio and Slack count.

export const ELLIPSIS = '…';

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * `text` if it fits in `max` code units; otherwise its start and "…", `max` units at most. Never ends in
 * half a surrogate pair (an emoji cut in two is a replacement character, or a refused request).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < ELLIPSIS.length) return '';
  let end = max - ELLIPSIS.length;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

// Unicode's Bidi_Control characters: the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069 and
// the marks U+200E, U+200F, U+061C. Invisible, they reorder what is shown around them ("Trojan Source":
// `\u202Egnp.exe` reads as `exe.png`), so a page could show its reader other words than it holds. Joiners
// (U+200C, U+200D) are not among them: scripts and emoji sequences need those.
const BIDI_CONTROLS = /\p{Bidi_Control}/gu;

/**
 * Caller text without bidirectional controls: applied where text enters (the request schemas, and every raise
 * for the routes whose text is not a request field), so no page, Slack message or email subject carries one.
 */
export function stripBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

/**
 * Slack's mrkdwn treats &, < and > as control characters (`<!channel>`, `<https://…|label>`, `<@U…>`): text
 * that did not come through Slack is escaped, so it shows as typed and cannot ping, link or mention.
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Like cutText, for text in Slack's escaped form: the cut never leaves half a `<…>` token or `&…;` entity,
 * which Slack would show as garbage or refuse.
 */
export function cutSlackText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = cutText(text, max);
  let kept = cut.slice(0, -ELLIPSIS.length);
  if (kept.lastIndexOf('<') > kept.lastIndexOf('>')) kept = kept.slice(0, kept.lastIndexOf('<'));
  kept = kept.replace(/&[#A-Za-z0-9]*$/, '');
  return `${kept.trimEnd()}${ELLIPSIS}`;
}

/**
 * Slack's markup as plain text (https://api.slack.com/reference/surfaces/formatting): `<@U1|jane>` → `@jane`,
 * `<#C1|ops>` → `#ops`, `<!here>` → `@here`, `<https://x|docs>` → `docs (https://x)`, and `&lt; &gt; &amp;` unescaped.
 */
export function slackToPlain(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_whole, inner: string) => {
      const bar = inner.indexOf('|');
      const target = bar === -1 ? inner : inner.slice(0, bar);
      const label = bar === -1 ? null : inner.slice(bar + 1);
      if (target.startsWith('@')) return label ? `@${label.replace(/^@/, '')}` : `Slack user ${target.slice(1)}`;
      if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
      if (target.startsWith('!')) return label ?? `@${target.slice(1).replace(/\^.*$/, '')}`;
      if (target.startsWith('mailto:')) return label ?? target.slice('mailto:'.length);
      return label && label !== target ? `${label} (${target})` : target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
