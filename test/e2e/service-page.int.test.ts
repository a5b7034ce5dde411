// Paging a service from Slack across both apps: really signed slash commands through the real gateway, the
// service's escalation policy worked out by the real backend on a real PostgreSQL at a MovableClock's time, the
// page sent through the real twilio SDK to the fake Twilio.
import request from 'supertest';
import { MovableClock } from '@klaxon/testing';
import { SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { signedSlash, startBothApps, type BothApps } from './both-apps';

const SIGNING_SECRET = 'e2e0service0page0secret0000abcd';
const TEAM = 'T0SVCE2E';
const START = new Date('2026-12-09T12:00:00Z'); // a Wednesday: Anna's week
const clock = new MovableClock(START);
const ANNA_PHONE = '+14155550301';

let apps: BothApps;
let commands = 0;
beforeAll(async () => {
  apps = await startBothApps(SIGNING_SECRET, {}, {}, { overrides: { clock } });
  await put(`/contacts/${TEAM}/U0ANNA`, { phone: ANNA_PHONE }).expect(200);
  await put(`/schedules/${TEAM}/payments`, { time_zone: 'Europe/Berlin', layers: [{ name: 'weekly', members: ['U0ANNA', 'U0BEN'], shift: '1w', handoff: '2026-12-07T09:00' }] }).expect(201);
  await put(`/escalation-policies/${TEAM}/payments-escalation`, {
    steps: [
      { targets: [{ schedule: 'payments' }], escalate_after: '10m' },
      { targets: [{ person: 'U0LEAD' }], escalate_after: '10m' },
    ],
  }).expect(201);
  await put(`/services/${TEAM}/payments`, { escalation_policy: 'payments-escalation', slack_usergroup: 'S0PAY' }).expect(201);
});
afterAll(() => apps.close());

function put(path: string, body: object) {
  return request(apps.paging.app).put(path).set('x-service-key', SERVICE_KEY).send(body);
}

/** Sends `/alert <text>`, signed as Slack signs it, and returns the ack and the answer posted to its response_url. */
const slash = (text: string) => signedSlash(apps, SIGNING_SECRET, `service-${(commands += 1)}`, { text, team_id: TEAM, user_id: 'U0ASKER', channel_id: 'C0WAR' });

const ONCALL = '🧭 payments: paging <@U0ANNA>, on call for payments — step 1 of 2';

describe('/alert paging a service', () => {
  it('pages whoever is on call for the service a user group mention names, and says who and why', async () => {
    const page = await slash('<!subteam^S0PAY|@payments-oncall> high db down');
    expect(page.ack).toBe('⏳ Raising an alert for @payments-oncall…');
    expect(page.answer).toMatch(/^🚨 #1 paging <@U0ANNA> \(WhatsApp\)\n/);
    expect(page.answer).toContain(ONCALL);
    await apps.paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${ANNA_PHONE}` && String(m.form.Body).includes('#1 HIGH'));
    const message = await apps.paging.slack.waitForCall('chat.postMessage', (call) => call.args.channel === 'C0WAR' && JSON.stringify(call.args.blocks ?? []).includes('🧭 payments'), 10_000);
    expect(JSON.stringify(message.args.blocks)).toContain(ONCALL);

    const status = await slash('status 1');
    expect(status.answer).toContain(`payments: ${ONCALL.slice('🧭 payments: '.length)}`);
  });

  it('pages the service named in the word form `service:name`', async () => {
    const page = await slash('service:payments critical card payments failing');
    expect(page.ack).toBe('⏳ Raising an alert for payments…');
    expect(page.answer).toContain(ONCALL);
    await apps.paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${ANNA_PHONE}` && String(m.form.Body).includes('#2 CRITICAL'));
  });

  it('says why nothing was paged for a user group no service is linked to, or an unknown service', async () => {
    expect((await slash('<!subteam^S0NONE|@nobody> high db down')).answer).toMatch(/Nothing was paged.*slack_usergroup: no service of tenant T0SVCE2E is linked to the Slack user group S0NONE/s);
    expect((await slash('service:nope high db down')).answer).toMatch(/Nothing was paged.*service: tenant T0SVCE2E has no service "nope"/s);
  });
});
