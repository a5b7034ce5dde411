import request from 'supertest';
import { startFakeSmtpServer, type FakeSmtp } from '@klaxon/testing';
import type { AlertDto } from '@klaxon/contracts';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// Bidirectional overrides, isolates and marks reorder what people read ("Trojan Source"): `\u202Egnp.exe`
// shows as `exe.png`. They are taken out of caller text where it enters, so no page, channel message or
// email subject carries one. The worker runs for real against fake Twilio, Slack and SMTP.
const BIDI = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
const ANY_BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
const MESSAGE = `invoice \u202Egnp.exe\u202C failed for \u2067acme\u2069 ${BIDI.join('')}now`;
const SHOWN = 'invoice gnp.exe failed for acme now';

let smtp: FakeSmtp;
let paging: PagingHarness;
beforeAll(async () => {
  smtp = await startFakeSmtpServer();
  paging = await startPagingHarness({ email: { smtpUrl: smtp.url, from: 'Klaxon <pager@klaxon.test>' } });
});
afterAll(async () => {
  await paging.close();
  await smtp.close();
});

const api = () => request(paging.app);
const withKey = <T extends { set(name: string, value: string): T }>(test: T): T => test.set('x-service-key', SERVICE_KEY);

describe('bidirectional controls in caller text', () => {
  it('never reach the SMS, the email subject or the Slack channel message of an alert', async () => {
    await withKey(api().put('/contacts/T-BIDI/U0BIDI')).send({ phone: '+14155550191', email: 'bidi@example.com', channels: ['sms', 'email'] }).expect(200);
    const alert = await paging.raise({ tenant_id: 'T-BIDI', message: MESSAGE, severity: 'high', targets: [{ slack_user_id: 'U0BIDI' }], slack: { channel_id: 'C0BIDI', user_id: 'U0CALLER' } });
    expect(alert.message).toBe(SHOWN);

    const sms = await paging.twilio.waitForMessage((m) => m.form.To === '+14155550191');
    expect(sms.form.Body).toContain(SHOWN);
    expect(sms.form.Body).not.toMatch(ANY_BIDI);
    const mail = await smtp.waitForMail((m) => m.to.includes('bidi@example.com'));
    expect(mail.subject).toBe(`[Klaxon #${alert.number} HIGH] ${SHOWN}`);
    expect(`${mail.text}${mail.html}`).not.toMatch(ANY_BIDI);
    const post = await paging.slack.waitForCall('chat.postMessage', (call) => call.args.channel === 'C0BIDI');
    expect(post.args.text).toContain(SHOWN);
    expect(JSON.stringify(post.args)).not.toMatch(ANY_BIDI);
    expect(succeeded(paging.twilio.messages())).toHaveLength(1);
  });

  it('are taken out of a note, and a message of nothing else is empty (422 naming it)', async () => {
    const alert = await paging.raise({ tenant_id: 'T-BIDI', message: 'db slow', severity: 'low', targets: [{ phone: '+14155550192' }] });
    await withKey(api().put(`/alerts/${alert.id}/acknowledge`)).send({ actor: 'deploy-bot', note: `looking \u202Eereh\u202C` }).expect(200);
    const events = (await withKey(api().get(`/alerts/${alert.id}/events`)).expect(200)).body.events as Array<{ kind: string; note: string | null }>;
    expect(events.find((e) => e.kind === 'acknowledged')?.note).toBe('looking ereh');

    const empty = await withKey(api().post('/alert')).send({ tenant_id: 'T-BIDI', message: ` ${BIDI.join('')} `, targets: [{ phone: '+14155550192' }] }).expect(422);
    expect(empty.body).toEqual({ error: 'invalid_field', detail: 'message: must not be empty' });
  });

  it('are taken out of an Alertmanager annotation too: every route that raises stores the message without them', async () => {
    const body = {
      version: '4',
      groupKey: '{}:{alertname="Bidi"}',
      status: 'firing',
      receiver: 'team',
      alerts: [{ status: 'firing', labels: { alertname: 'Bidi' }, annotations: { summary: MESSAGE }, fingerprint: 'bidi-1' }],
    };
    const res = await api().post('/integrations/alertmanager?tenant_id=T-BIDI&page=%2B14155550193').set('authorization', `Bearer ${SERVICE_KEY}`).send(body).expect(200);
    const [raised] = res.body.raised as Array<{ alert_id: string }>;
    const alert = (await withKey(api().get(`/alerts/${raised!.alert_id}`)).expect(200)).body as AlertDto;
    expect(alert.message).toBe(SHOWN);
  });
});
