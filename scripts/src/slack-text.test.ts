import { renderSlackText } from './slack-text';

describe('renderSlackText', () => {
  it.each([
    ['a receipt time', '◦ <@U0DEV>: WhatsApp read <!date^1700000000^{time}|22:13 UTC>', '◦ <@U0DEV>: WhatsApp read 22:13 UTC'],
    ['a date and a time', 'since <!date^1700000000^{date_short_pretty} {time}|Nov 14, 22:13 UTC>.', 'since Nov 14, 22:13 UTC.'],
    ['a token with a link', 'at <!date^1700000000^{time}^https://example.com/a|22:13 UTC>', 'at 22:13 UTC'],
    ['a token without fallback', 'at <!date^1700000000^{time}>', 'at 2023-11-14 22:13 UTC'],
    ['an empty fallback', 'at <!date^1700000000^{time}|>', 'at 2023-11-14 22:13 UTC'],
    ['two tokens on a line', '<!date^0^{time}|00:00 UTC>–<!date^60^{time}|00:01 UTC>', '00:00 UTC–00:01 UTC'],
    ['mentions and channels, kept', '🚨 #1 paging <@U0DEV> in <#C0DEV|ops> and <!subteam^S0PAY|@payments>', '🚨 #1 paging <@U0DEV> in <#C0DEV|ops> and <!subteam^S0PAY|@payments>'],
    ['text with no markup', 'No open alerts. 🎉', 'No open alerts. 🎉'],
  ])('shows %s readably', (_case, text, shown) => {
    expect(renderSlackText(text)).toBe(shown);
  });
});
