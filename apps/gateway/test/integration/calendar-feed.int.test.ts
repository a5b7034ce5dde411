// The gateway's side of calendar feeds against a stand-in backend that records what it is sent: the token goes
// in a header (never a path), a malformed URL is forwarded as the empty token, and the backend's trouble or a
// flood of feeds never becomes anything but a plain 503. (test/e2e/calendar covers the real backend.)
import { startFakeSlackApi, type FakeSlackApi } from '@klaxon/testing';
import { SERVICE_KEY, startGateway, startStubBackend, type GatewayHarness, type RecordedRequest } from './harness';

const TOKEN = 'Ab3_-9zZ0123456789abcdefghijklmn';
const FEED = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR';

let slack: FakeSlackApi;
let backend: Awaited<ReturnType<typeof startStubBackend>>;
let gateway: GatewayHarness;
/** Answers held back until the test releases them: a backend busy with feeds. */
let held: Array<() => void> = [];
let holding = false;

beforeAll(async () => {
  slack = await startFakeSlackApi();
  backend = await startStubBackend((req: RecordedRequest, { res }) => {
    const answer = () => {
      if (req.headers['x-calendar-token'] === TOKEN) res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', 'cache-control': 'private, max-age=900' }).end(FEED);
      else res.writeHead(404, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end('{"error":"not_found","detail":"no calendar has this address"}');
    };
    if (holding) held.push(answer);
    else answer();
  });
  gateway = await startGateway({ backendUrl: backend.url, slackApiUrl: slack.slackApiUrl, calendarLimits: { maxInFlight: 1, maxQueued: 1 } });
});
afterAll(async () => {
  await gateway.close();
  await backend.close();
  await slack.close();
});
beforeEach(() => {
  backend.requests.length = 0;
});

describe('GET /calendar/<token>.ics on the gateway', () => {
  it('forwards the token in x-calendar-token to GET /calendar-feed with the service key, and relays the feed', async () => {
    const res = await fetch(`${gateway.url}/calendar/${TOKEN}.ics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(FEED);
    expect(res.headers.get('cache-control')).toBe('private, max-age=900');
    expect(backend.requests).toEqual([
      expect.objectContaining({ method: 'GET', path: '/calendar-feed', headers: expect.objectContaining({ 'x-calendar-token': TOKEN, 'x-service-key': SERVICE_KEY }) }),
    ]);
  });

  it('forwards a malformed URL too, as the empty token, and answers it as the backend answers an unknown one', async () => {
    for (const url of [`/calendar/${TOKEN}`, `/calendar/${TOKEN}!.ics`, '/calendar/a/b.ics']) {
      const res = await fetch(`${gateway.url}${url}`);
      expect({ url, status: res.status, body: await res.text() }).toEqual({ url, status: 404, body: '{"error":"not_found","detail":"no calendar has this address"}' });
    }
    expect(backend.requests.map((r) => [r.path, r.headers['x-calendar-token']])).toEqual([
      ['/calendar-feed', ''],
      ['/calendar-feed', ''],
      ['/calendar-feed', ''],
    ]);
  });

  it('serves feeds from a share of its own: beyond it a plain 503 at once, and the pages’ forwards are untouched', async () => {
    holding = true;
    const running = fetch(`${gateway.url}/calendar/${TOKEN}.ics`);
    const queued = fetch(`${gateway.url}/calendar/${TOKEN}.ics`);
    // The first is with the backend; the second waits for its slot; a third finds both taken.
    await new Promise<void>((resolve) => {
      const check = () => (backend.requests.length === 1 ? resolve() : setTimeout(check, 10));
      check();
    });
    const refused = await fetch(`${gateway.url}/calendar/${TOKEN}.ics`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(gateway.gateway.stats().forwards).toMatchObject({ running: 0, queued: 0 });
    holding = false;
    held.forEach((answer) => answer());
    held = [];
    expect((await running).status).toBe(200);
    expect((await queued).status).toBe(200);
  });

  it('answers 503 (no-store) when the backend does not answer, never logging the token', async () => {
    const down = await startGateway({ backendUrl: 'http://127.0.0.1:9', slackApiUrl: slack.slackApiUrl });
    try {
      const res = await fetch(`${down.url}/calendar/${TOKEN}.ics`);
      expect(res.status).toBe(503);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(down.logLines().some((line) => line.includes('calendar feed not served'))).toBe(true);
      expect(down.logLines().filter((line) => line.includes(TOKEN))).toEqual([]);
    } finally {
      await down.close();
    }
  });

  it('refuses other methods with 405 and counts feed requests under one route label', async () => {
    const res = await fetch(`${gateway.url}/calendar/${TOKEN}.ics`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/klaxon_gateway_http_requests_total\{route="\/calendar\/:token\.ics",status_class="2xx"\} \d+/);
    expect(metrics).not.toContain(TOKEN);
  });
});
