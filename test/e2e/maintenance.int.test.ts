// `/alert maintenance …` across both apps: really signed slash commands through the real gateway, windows kept
// by the real backend on a real PostgreSQL. The backend's MovableClock starts at the real time, since the gateway
// turns `2h` into an end by its own clock (both run in one container).
import request from 'supertest';
import { MovableClock } from '@klaxon/testing';
import { SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { signedSlash, startBothApps, type BothApps } from './both-apps';

const SIGNING_SECRET = 'e2e0maint0secret000000000000abcd';
const TEAM = 'T0MAINTE2E';
const MINUTE = 60_000;
const clock = new MovableClock(new Date());
const date = (at: Date) => `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${at.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;

let apps: BothApps;
let commands = 0;
beforeAll(async () => {
  apps = await startBothApps(SIGNING_SECRET, {}, {}, { overrides: { clock } });
  const put = (path: string, body: object) => request(apps.paging.app).put(path).set('x-service-key', SERVICE_KEY).send(body).expect(201);
  await put(`/escalation-policies/${TEAM}/payments-escalation`, { steps: [{ targets: [{ person: 'U0ANNA' }], escalate_after: '10m' }] });
  await put(`/services/${TEAM}/payments`, { escalation_policy: 'payments-escalation' });
  await apps.paging.backend.contacts.update(TEAM, 'U0ANNA', { phone: '+14155550100' });
});
afterAll(() => apps.close());

const slash = (text: string) => signedSlash(apps, SIGNING_SECRET, `maintenance-${(commands += 1)}`, { text, team_id: TEAM, user_id: 'U0ASKER' });

describe('/alert maintenance', () => {
  it('puts a service in maintenance for a while, lists it, and ends it early', async () => {
    const opened = await slash('maintenance payments 2h deploying 4.2');
    expect(opened.ack).toBe('⏳ Putting payments in maintenance for 2h…');
    const [window] = (await request(apps.paging.app).get(`/services/${TEAM}/payments/maintenance`).set('x-service-key', SERVICE_KEY).expect(200)).body.maintenance;
    expect(window).toMatchObject({ reason: 'deploying 4.2', created_by: 'U0ASKER', active: true });
    // Two hours from the gateway's now; the start is the backend's (its clock stood still while the test ran).
    expect(Math.abs(Date.parse(window.end) - Date.parse(window.start) - 120 * MINUTE)).toBeLessThan(10_000);
    expect(opened.answer).toBe(
      `🔧 *payments* is in maintenance until ${date(new Date(window.end))} (deploying 4.2): its alerts are recorded and page nobody, and are not paged later. End it early with \`/alert maintenance payments end\`.`,
    );
    expect(await apps.paging.backend.maintenance.inMaintenance(TEAM, 'payments', clock.now())).toMatchObject({ id: window.id });

    expect((await slash('maintenance')).answer).toBe(`*Maintenance* (alerts for these services page nobody)\n• *payments* until ${date(new Date(window.end))} (by <@U0ASKER>): deploying 4.2`);
    // A page for the service now is recorded, pages nobody, and says why.
    const quiet = await slash('service:payments critical checkout is down');
    expect(quiet.answer).toMatch(/^🔧 #\d+ recorded for \*payments\*, which is in maintenance: nobody was paged/);

    clock.advance(10 * MINUTE);
    expect((await slash('maintenance payments end')).answer).toBe("✅ *payments*'s maintenance ended: its alerts page again.");
    expect(await apps.paging.backend.maintenance.inMaintenance(TEAM, 'payments', clock.now())).toBeNull();
    expect((await slash('maintenance payments end')).answer).toMatch(/^\*payments\* is not in maintenance: its alerts page as usual/);
    expect((await slash('maintenance')).answer).toMatch(/^🔧 No service is in maintenance, and none is planned/);
    // Once it ended, a page for it pages its on-call person again.
    expect((await slash('service:payments critical checkout is down again')).answer).toMatch(/^🚨 #\d+ paging <@U0ANNA>/);
  });

  it('answers a service the workspace does not have, and a window the backend refuses, in the person’s terms', async () => {
    expect((await slash('maintenance paymnets 1h')).answer).toBe('There is no service `paymnets` in this workspace. `/alert oncall` lists the services.');
    expect((await slash('maintenance payments 13w')).answer).toBe('❌ No maintenance window: end: at most 90 days after start.');
  });
});
