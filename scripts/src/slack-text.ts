/**
 * Slack text as a terminal can show it. Slack renders `<!date^1700000000^{date_short_pretty} {time}|…>` in
 * each reader's own zone; printed raw it is markup nobody can read. A date token becomes its fallback text
 * (what Slack itself shows a client that cannot render it), or the instant in UTC when it has none.
 * Mentions (`<@U…>`, `<#C…>`) stay as they are: they name who and where, readably enough.
 */
const DATE_TOKEN = /<!date\^(\d+)\^[^|>^]*(?:\^[^|>]*)?(?:\|([^>]*))?>/g;

export function renderSlackText(text: string): string {
  return text.replace(DATE_TOKEN, (_token, seconds: string, fallback: string | undefined) =>
    fallback !== undefined && fallback !== '' ? fallback : `${new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  );
}
