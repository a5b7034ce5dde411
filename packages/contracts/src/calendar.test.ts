import { calendarTokenOf } from './calendar';

const TOKEN = 'Ab3_-9zZ0123456789abcdefghijklmn';

describe('calendarTokenOf', () => {
  it('takes the token of /calendar/<token>.ics, with or without a query string', () => {
    expect(calendarTokenOf(`/calendar/${TOKEN}.ics`)).toBe(TOKEN);
    expect(calendarTokenOf(`/calendar/${TOKEN}.ics?refresh=1`)).toBe(TOKEN);
  });

  it.each([
    ['no .ics', `/calendar/${TOKEN}`],
    ['another extension', `/calendar/${TOKEN}.ical`],
    ['a second segment', `/calendar/x/${TOKEN}.ics`],
    ['a dot segment', `/calendar/../${TOKEN}.ics`],
    ['an encoded character', `/calendar/${TOKEN}%2F.ics`],
    ['a character outside base64url', `/calendar/${TOKEN}!.ics`],
    ['nothing before .ics', '/calendar/.ics'],
    ['too long to be a token', `/calendar/${'a'.repeat(129)}.ics`],
    ['another prefix', `/calendars/${TOKEN}.ics`],
  ])('names no calendar (the empty string) for %s', (_case, url) => {
    expect(calendarTokenOf(url)).toBe('');
  });
});
