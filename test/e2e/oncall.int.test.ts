// `/alert oncall [name]` across both apps: really signed slash commands through the real gateway, who is on call
// worked out by the real backend on a real PostgreSQL, at the time of a MovableClock the test moves.
import request from 'supertest';
import { MovableClock, signSlackRequest, slashCommandBody } from '@klaxon/testing';
import { SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { signedSlash, startBothApps, type BothApps } from './both-apps';

const SIGNING_SECRET = 'e2e0oncall0secret00000000000abcd';
const TEAM = 'T0ONCALLE2E';
// A Wednesday, 13:00 in Berlin: Anna's week (from Monday 09:00 Berlin, 08:00 UTC) until next Monday.
const START = new Date('2026-12-09T12:00:00Z');
const HOUR = 3_600_000;
const clock = new MovableClock(START);
// Slack date tokens: each reader sees the time in their own zone, the fallback in UTC.
const date = (iso: string) => `<!date^${Date.parse(iso) / 1000}^{date_short_pretty} {time}|${iso.slice(0, 16).replace('T', ' ')} UTC>`;

let apps: BothApps;
let commands = 0;
beforeAll(async () => {
  apps = await startBothApps(SIGNING_SECRET, {}, {}, { overrides: { clock } });
});
afterAll(() => apps.close());

/** Sends `/alert <text>`, signed as Slack signs it, and returns the ack and the answer posted to its response_url. */
const slash = (text: string) => signedSlash(apps, SIGNING_SECRET, `oncall-${(commands += 1)}`, { text, team_id: TEAM, user_id: 'U0ASKER' });

const put = (path: string, body: object) => request(apps.paging.app).put(path).set('x-service-key', SERVICE_KEY).send(body);

describe('/alert oncall', () => {
  it('says nothing is set up yet, then lists schedules, then services, naming who is on call, until when and who is next', async () => {
    const empty = await slash('oncall');
    expect(empty.ack).toBe('⏳ Looking up who is on call…');
    expect(empty.answer).toMatch(/^📟 Nobody is on call here yet/);

    await put(`/schedules/${TEAM}/payments`, {
      time_zone: 'Europe/Berlin',
      layers: [{ name: 'weekly', members: ['U0ANNA', 'U0BEN', 'U0CHLOE'], shift: '1w', handoff: '2026-12-07T09:00' }],
    }).expect(201);
    expect((await slash('oncall')).answer).toBe(['*On call now* (no services yet, so by schedule)', `• *payments*: <@U0ANNA> until ${date('2026-12-14T08:00:00Z')}, then <@U0BEN>`].join('\n'));

    await put(`/escalation-policies/${TEAM}/payments-escalation`, { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '10m' }] }).expect(201);
    await put(`/services/${TEAM}/checkout`, { escalation_policy: 'payments-escalation' }).expect(201);
    expect((await slash('oncall')).answer).toBe(['*On call now*', `• *checkout*: <@U0ANNA> (payments) until ${date('2026-12-14T08:00:00Z')}, then <@U0BEN>`].join('\n'));
  });

  it('shows someone else at once when an override starts, and the rota again when it ends', async () => {
    const from = clock.now();
    const until = new Date(from.getTime() + 2 * HOUR);
    await request(apps.paging.app)
      .post(`/schedules/${TEAM}/payments/overrides`)
      .set('x-service-key', SERVICE_KEY)
      .send({ person: 'U0DAN', start: from.toISOString(), end: until.toISOString() })
      .expect(201);
    expect((await slash('oncall checkout')).answer).toBe(['*On call now for checkout*', `• *checkout*: <@U0DAN> (payments) until ${date(until.toISOString())}, then <@U0ANNA>`].join('\n'));

    // An override later in the week: nothing changes until the clock reaches it.
    const later = new Date(from.getTime() + 24 * HOUR);
    await request(apps.paging.app)
      .post(`/schedules/${TEAM}/payments/overrides`)
      .set('x-service-key', SERVICE_KEY)
      .send({ person: 'U0EVE', start: later.toISOString(), end: new Date(later.getTime() + HOUR).toISOString() })
      .expect(201);
    clock.set(until);
    expect((await slash('oncall payments')).answer).toBe(`*On call now for payments*\n• *payments*: <@U0ANNA> until ${date(later.toISOString())}, then <@U0EVE>`);
    clock.set(later);
    expect((await slash('oncall')).answer).toContain(`• *checkout*: <@U0EVE> (payments) until ${date(new Date(later.getTime() + HOUR).toISOString())}, then <@U0ANNA>`);
  });

  it('answers a name the workspace does not have, and help for one that cannot be a name', async () => {
    expect((await slash('oncall paymnets')).answer).toBe('There is no service or schedule `paymnets` in this workspace. `/alert oncall` lists the services.');
    const body = slashCommandBody({ text: 'oncall payments api', team_id: TEAM, user_id: 'U0ASKER', response_url: apps.paging.slack.responseUrl('oncall-help') });
    const res = await fetch(`${apps.gatewayUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
      body,
    });
    expect(((await res.json()) as { text: string }).text).toMatch(/^`\/alert oncall` takes at most one name/);
  });
});
