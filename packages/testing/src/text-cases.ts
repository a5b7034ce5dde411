/**
 * Messages at the edges of what a provider counts (UTF-16 code units): for the table tests that check every
 * page and channel message is built to its limit. Each is [name, message].
 */
export const EDGE_MESSAGES: ReadonlyArray<readonly [string, string]> = [
  ['empty', ''],
  ['short', 'checkout is down'],
  ['5,000 characters', 'x'.repeat(5000)],
  ['5,000 units of emoji', '🔥'.repeat(2500)],
  ['odd-offset emoji', `a${'🚨'.repeat(2500)}`],
  ['CJK', '決済が停止しました。'.repeat(500)],
  // XML escaping (TwiML) and Slack escaping grow these; Slack text must not be cut inside a token.
  ['markup and entities', '<@U0123456789> & <!channel> "\''.repeat(200)],
];

/** Half of a surrogate pair: what a careless cut leaves, shown as � or refused by the provider. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
