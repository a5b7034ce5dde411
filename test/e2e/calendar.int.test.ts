// A schedule's calendar URL as a calendar client uses it: GET PUBLIC_BASE_URL/calendar/<token>.ics on the real
// gateway, forwarded to the real backend on a real PostgreSQL, the answer read by a real iCalendar parser.
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { createLogger } from '@klaxon/logger';
import { closeNow, listenOnLoopback, MovableClock, readCalendar } from '@klaxon/testing';
import type { OnCallSegmentDto, ScheduleDto } from '@klaxon/contracts';
import { listen, SERVICE_KEY, startBackendHarness, type BackendHarness } from '../../apps/backend/test/integration/helpers';
import { createGateway, type Gateway } from '../../apps/gateway/src/app';
import { BackendClient } from '../../apps/gateway/src/backend-client';

const TENANT = 'T0CALE2E';
const NOW = new Date('2026-12-09T12:00:00Z');
const DAY = 86_400_000;
const clock = new MovableClock(NOW);

let backend: BackendHarness;
let backendServer: Awaited<ReturnType<typeof listen>>['server'];
let backendClient: BackendClient;
let gateway: Gateway;
let gatewayUrl: string;
const gatewayLines: string[] = [];

beforeAll(async () => {
  backend = await startBackendHarness({ overrides: { clock }, publicBaseUrl: 'https://klaxon.example' });
  const listening = await listen(backend.app);
  backendServer = listening.server;
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => gatewayLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ service: 'gateway', level: 'debug', format: 'json', stream });
  backendClient = new BackendClient({ baseUrl: listening.url, serviceKey: SERVICE_KEY, timeoutMs: 5000, logger });
  gateway = await createGateway({ config: { slack: { signingSecret: 'e2e0calendar0secret000000000000c', botToken: 'xoxb-e2e', apiUrl: backend.slack.slackApiUrl, botId: 'BE2E', botUserId: 'UE2E' } }, logger, backend: backendClient });
  gatewayUrl = await listenOnLoopback(gateway.server);
});
afterAll(async () => {
  backendClient.close();
  await closeNow(gateway.server);
  await closeNow(backendServer);
  await backend.close();
});

const api = {
  put: (url: string, body: object) => request(backend.app).put(url).set('x-service-key', SERVICE_KEY).send(body),
  post: (url: string) => request(backend.app).post(url).set('x-service-key', SERVICE_KEY).send({}),
  get: (url: string) => request(backend.app).get(url).set('x-service-key', SERVICE_KEY),
};
/** The path of the schedule's public calendar URL, on the gateway. */
const pathOf = (schedule: Pick<ScheduleDto, 'ical_url'>) => new URL(schedule.ical_url).pathname;
const weekly = { time_zone: 'Europe/Berlin', layers: [{ name: 'weekly', members: ['U0ANNA', 'U0BEN'], shift: '1w', handoff: '2026-12-07T09:00' }] };

describe('GET /calendar/<token>.ics through the gateway', () => {
  it('serves the schedule’s shifts as …/oncall?until= gives them, as iCalendar a client can subscribe to', async () => {
    const schedule = (await api.put(`/schedules/${TENANT}/payments`, weekly).expect(201)).body as ScheduleDto;
    expect(schedule.ical_url).toMatch(/^https:\/\/klaxon\.example\/calendar\/[A-Za-z0-9_-]{32}\.ics$/);
    await request(backend.app).post(`/schedules/${TENANT}/payments/overrides`).set('x-service-key', SERVICE_KEY).send({ person: 'U0CARA', start: '2026-12-24T17:00:00Z', end: '2026-12-26T08:00:00Z' }).expect(201);

    const res = await fetch(`${gatewayUrl}${pathOf(schedule)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('private, max-age=900');
    expect(res.headers.get('x-robots-tag')).toBe('noindex');
    const { events } = readCalendar(await res.text());

    const until = new Date(NOW.getTime() + 90 * DAY).toISOString();
    const { shifts } = (await api.get(`/schedules/${TENANT}/payments/oncall?at=${NOW.toISOString()}&until=${until}`).expect(200)).body as { shifts: OnCallSegmentDto[] };
    const current = (await api.get(`/schedules/${TENANT}/payments/oncall?at=${NOW.toISOString()}`).expect(200)).body as OnCallSegmentDto;
    const expected = [{ ...shifts[0]!, start: current.start }, ...shifts.slice(1)].filter((s) => s.person !== null);
    expect(events.map((e) => [e.summary, e.start.toISOString(), e.end.toISOString()])).toEqual(expected.map((s) => [s.person, s.start, s.end]));
    expect(events.slice(0, 4).map((e) => e.summary)).toEqual(['U0ANNA', 'U0BEN', 'U0ANNA', 'U0CARA']);
  });

  it('answers 404 with the same body to a wrong token and to malformed URLs, never logging the token', async () => {
    const schedule = (await api.put(`/schedules/${TENANT}/secret`, weekly).expect(201)).body as ScheduleDto;
    const path = pathOf(schedule);
    const token = path.slice('/calendar/'.length, -'.ics'.length);
    const wrong = `/calendar/${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}.ics`;
    const answers = [];
    for (const url of [wrong, `/calendar/${token}`, `/calendar/${token}.ical`, `/calendar/${token}%21.ics`, `/calendar/x/${token}.ics`, '/calendar/', `/calendar/${'a'.repeat(500)}.ics`]) {
      const res = await fetch(`${gatewayUrl}${url}`);
      answers.push({ url, status: res.status, body: await res.text(), cache: res.headers.get('cache-control') });
    }
    for (const answer of answers) expect(answer).toEqual({ url: answer.url, status: 404, body: '{"error":"not_found","detail":"no calendar has this address"}', cache: 'no-store' });
    expect((await fetch(`${gatewayUrl}${path}`, { method: 'POST' })).status).toBe(405);
    const head = await fetch(`${gatewayUrl}${path}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const logged = [...gatewayLines, ...backend.logLines()];
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((line) => line.includes(token))).toEqual([]);
  });

  it('turns the old URL into a 404 when the token is replaced; the new URL serves the feed', async () => {
    const schedule = (await api.put(`/schedules/${TENANT}/rotated`, weekly).expect(201)).body as ScheduleDto;
    expect((await fetch(`${gatewayUrl}${pathOf(schedule)}`)).status).toBe(200);
    const replaced = (await api.post(`/schedules/${TENANT}/rotated/calendar-token`).expect(200)).body as ScheduleDto;
    expect((await fetch(`${gatewayUrl}${pathOf(schedule)}`)).status).toBe(404);
    const fresh = await fetch(`${gatewayUrl}${pathOf(replaced)}`);
    expect(fresh.status).toBe(200);
    expect(readCalendar(await fresh.text()).events.length).toBeGreaterThan(10);
  });
});
