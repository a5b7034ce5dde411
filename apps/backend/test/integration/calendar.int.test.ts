import request from 'supertest';
import { MovableClock, readCalendar } from '@klaxon/testing';
import { CALENDAR_TOKEN_HEADER, type OnCallSegmentDto, type ScheduleDto } from '@klaxon/contracts';
import { ACME_KEY, SERVICE_KEY, startBackendHarness, startUnreachableBackend, type BackendHarness } from './helpers';

// The calendar feed behind a schedule's ical_url, through the real app on a real PostgreSQL, read back by a real
// iCalendar parser, against what `…/oncall` says for the same instant (a MovableClock holds "now" still).

const TENANT = 'T0CALENDAR';
// A Wednesday, 13:00 in Berlin.
const START = new Date('2026-12-09T12:00:00Z');
const DAY = 86_400_000;
const clock = new MovableClock(START);

let harness: BackendHarness;
beforeAll(async () => {
  harness = await startBackendHarness({ overrides: { clock } });
  harness.slack.setUser('U0ANNA', { profile: { display_name: 'Anna', real_name: 'Anna Schmidt' } });
  harness.slack.setUser('U0NIA', { real_name: 'Nia Okafor' });
});
afterAll(() => harness.close());
beforeEach(() => clock.set(START));

const api = {
  put: (url: string, body: object, key = SERVICE_KEY) => request(harness.app).put(url).set('x-service-key', key).send(body),
  post: (url: string, body: object = {}) => request(harness.app).post(url).set('x-service-key', SERVICE_KEY).send(body),
  get: (url: string, key = SERVICE_KEY) => request(harness.app).get(url).set('x-service-key', key),
  delete: (url: string) => request(harness.app).delete(url).set('x-service-key', SERVICE_KEY),
};
/** The backend's side of PUBLIC_BASE_URL/calendar/<token>.ics, as the gateway calls it. */
const feed = (token: string | null, key = SERVICE_KEY) => {
  const req = request(harness.app).get('/calendar-feed').set('x-service-key', key);
  return token === null ? req : req.set(CALENDAR_TOKEN_HEADER, token);
};
const tokenOf = (schedule: Pick<ScheduleDto, 'ical_url'>) => /\/calendar\/([A-Za-z0-9_-]+)\.ics$/.exec(schedule.ical_url)![1]!;

// Three layers in Berlin: a weekly primary, nights (20:00–08:00) taken in turns, office hours on weekdays.
const threeLayers = {
  time_zone: 'Europe/Berlin',
  layers: [
    { name: 'primary', members: ['U0ANNA', 'U0BEN', 'U0CHLOE'], shift: '1w', handoff: '2026-12-07T09:00' },
    { name: 'nights', members: ['U0NIA', 'U0NOAH'], shift: '1d', handoff: '2026-12-07T20:00', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '20:00', to: '08:00' }] },
    { name: 'office', members: ['U0EVE'], shift: '1d', handoff: '2026-12-07T09:00', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] },
  ],
};

async function createSchedule(name: string, body: object = threeLayers): Promise<ScheduleDto> {
  return (await api.put(`/schedules/${TENANT}/${name}`, body).expect(201)).body as ScheduleDto;
}

describe('GET /calendar-feed (PUBLIC_BASE_URL/calendar/<token>.ics)', () => {
  it('gives the same shifts as …/oncall?until=, the current one from its start, named as Slack names them', async () => {
    const schedule = await createSchedule('payments');
    await api.post(`/schedules/${TENANT}/payments/overrides`, { person: 'U0CARA', start: '2026-12-10T18:00:00Z', end: '2026-12-11T07:00:00Z' }).expect(201);
    await api.post(`/schedules/${TENANT}/payments/overrides`, { person: 'U0ANNA', start: '2026-12-24T16:00:00Z', end: '2026-12-26T08:00:00Z' }).expect(201);

    const res = await feed(tokenOf(schedule)).expect(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers['cache-control']).toBe('private, max-age=900');
    const calendar = readCalendar(res.text);
    expect(calendar.properties).toMatchObject({ method: 'PUBLISH', 'x-wr-calname': 'On call: payments', 'refresh-interval': 'PT1H' });

    const until = new Date(START.getTime() + 90 * DAY).toISOString();
    const { shifts } = (await api.get(`/schedules/${TENANT}/payments/oncall?at=${START.toISOString()}&until=${until}`).expect(200)).body as { shifts: OnCallSegmentDto[] };
    const current = (await api.get(`/schedules/${TENANT}/payments/oncall?at=${START.toISOString()}`).expect(200)).body as OnCallSegmentDto;
    const expected = [{ ...shifts[0]!, start: current.start }, ...shifts.slice(1)].filter((shift) => shift.person !== null);
    expect(expected.length).toBeGreaterThan(150);
    expect(calendar.events.map((e) => [e.start.toISOString(), e.end.toISOString(), e.description.split('\n')[0]])).toEqual(
      expected.map((s) => [s.start, s.end, s.source === 'override' ? 'Source: override' : `Source: layer ${s.source}`]),
    );
    expect(calendar.events.every((e) => e.utc && e.transparency === 'TRANSPARENT')).toBe(true);
    // Each person once as Slack names them (display name, else real name), else by id.
    const summaries = new Map(calendar.events.map((e) => [e.description.split('Slack user: ')[1], e.summary]));
    expect(Object.fromEntries(summaries)).toEqual({ U0ANNA: 'Anna', U0NIA: 'Nia Okafor', U0NOAH: 'U0NOAH', U0EVE: 'U0EVE', U0CARA: 'U0CARA', U0BEN: 'U0BEN', U0CHLOE: 'U0CHLOE' });
    // Office hours, in progress: shown from Wednesday 09:00 Berlin although the feed was asked for at 13:00.
    expect(calendar.events[0]).toMatchObject({ summary: 'U0EVE', start: new Date('2026-12-09T08:00:00Z'), end: new Date('2026-12-09T16:00:00Z') });
    // The override cuts what it covers: Anna's evening ends when Cara's override begins, and resumes after it.
    const cara = calendar.events.find((e) => e.summary === 'U0CARA')!;
    expect(cara).toMatchObject({ start: new Date('2026-12-10T18:00:00Z'), end: new Date('2026-12-11T07:00:00Z') });
    expect(calendar.events.find((e) => e.end.getTime() === cara.start.getTime())?.summary).toBe('Anna');
    expect(calendar.events.find((e) => e.start.getTime() === cara.end.getTime())?.summary).toBe('Anna');
  });

  it('keeps each shift’s UID from one fetch to the next, an hour later and after a replace of the schedule', async () => {
    const schedule = await createSchedule('uids');
    const first = readCalendar((await feed(tokenOf(schedule)).expect(200)).text).events;
    clock.set(new Date(START.getTime() + 3_600_000));
    await api.put(`/schedules/${TENANT}/uids`, threeLayers).expect(200);
    const again = readCalendar((await feed(tokenOf(schedule)).expect(200)).text).events;
    const uidsByStart = (events: typeof first) => new Map(events.map((e) => [e.start.getTime(), e.uid]));
    const before = uidsByStart(first);
    const shared = again.filter((e) => before.has(e.start.getTime()));
    expect(shared.length).toBeGreaterThan(again.length - 3);
    for (const event of shared) expect(event.uid).toBe(before.get(event.start.getTime()));
    expect(new Set(again.map((e) => e.uid)).size).toBe(again.length);
  });

  it('answers 404, the same every time, to a wrong, malformed, empty or missing token, and stores nothing in caches', async () => {
    const schedule = await createSchedule('wrong');
    const token = tokenOf(schedule);
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const answers = await Promise.all([wrong, 'not a token', '', 'x'.repeat(300), token.toLowerCase() === token ? token.toUpperCase() : token.toLowerCase(), null].map((t) => feed(t)));
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not_found', detail: 'no calendar has this address' });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('makes the old URL a 404 once the token is replaced, and the new one gives the same feed', async () => {
    const schedule = await createSchedule('replaced');
    const before = await feed(tokenOf(schedule)).expect(200);
    const replaced = (await api.post(`/schedules/${TENANT}/replaced/calendar-token`).expect(200)).body as ScheduleDto;
    expect(replaced.ical_url).not.toBe(schedule.ical_url);
    await feed(tokenOf(schedule)).expect(404);
    const after = await feed(tokenOf(replaced)).expect(200);
    expect(readCalendar(after.text).events).toEqual(readCalendar(before.text).events);
  });

  it('answers 404 once the schedule is deleted', async () => {
    const schedule = await createSchedule('deleted');
    await feed(tokenOf(schedule)).expect(200);
    await api.delete(`/schedules/${TENANT}/deleted`).expect(204);
    await feed(tokenOf(schedule)).expect(404);
  });

  it('opens for a key bound to a tenant only that tenant’s feeds', async () => {
    const theirs = await createSchedule('not-acme');
    const ours = (await api.put('/schedules/acme/acme-rota', threeLayers, ACME_KEY).expect(201)).body as ScheduleDto;
    await feed(tokenOf(theirs), ACME_KEY).expect(404);
    await feed(tokenOf(ours), ACME_KEY).expect(200);
    await request(harness.app).get('/calendar-feed').set(CALENDAR_TOKEN_HEADER, tokenOf(ours)).expect(401);
  });

  it('never writes a token to the log, served or refused', async () => {
    const schedule = await createSchedule('quiet');
    await feed(tokenOf(schedule)).expect(200);
    await feed(`${tokenOf(schedule)}x`).expect(404);
    const lines = harness.logLines();
    expect(lines.some((line) => line.includes('/calendar-feed'))).toBe(true);
    expect(lines.filter((line) => line.includes(tokenOf(schedule)))).toEqual([]);
  });

  it('looks a malformed token up like any other: with PostgreSQL down it is a 503 too, not a quick 404', async () => {
    const down = await startUnreachableBackend();
    try {
      for (const token of ['not a token', '', 'A'.repeat(32)]) await request(down.app).get('/calendar-feed').set('x-service-key', SERVICE_KEY).set(CALENDAR_TOKEN_HEADER, token).expect(503);
    } finally {
      await down.close();
    }
  });
});
