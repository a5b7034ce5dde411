import request from 'supertest';
import { MovableClock, startFakeSmtpServer, type FakeSmtp } from '@klaxon/testing';
import type { AlertDto } from '@klaxon/contracts';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// What a person's preferences do to a page: email joins medium and above for those who accept it, quiet
// hours hold a medium page until they end (high and critical go at once), and a handled alert's held page
// is cancelled. Time is a clock the test moves; the worker runs for real against fake Twilio and SMTP.
const HOUR = 3_600_000;
const clock = new MovableClock();
let smtp: FakeSmtp;
let paging: PagingHarness;
beforeAll(async () => {
  smtp = await startFakeSmtpServer();
  paging = await startPagingHarness({ overrides: { clock }, email: { smtpUrl: smtp.url, from: 'Klaxon <pager@klaxon.test>' } });
});
afterAll(async () => {
  await paging.close();
  await smtp.close();
});

const setContact = (tenant: string, user: string, body: object) =>
  request(paging.app).put(`/contacts/${tenant}/${user}`).set('x-service-key', SERVICE_KEY).send(body).expect(200);
const raise = (tenant: string, user: string, severity: string, message: string): Promise<AlertDto> =>
  paging.raise({ tenant_id: tenant, message, severity, targets: [{ slack_user_id: user }], slack: { channel_id: 'C0PREFS', user_id: 'U0CALLER' } });
const events = async (alertId: string) =>
  (await request(paging.app).get(`/alerts/${alertId}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events as Array<{ kind: string; data: Record<string, unknown> }>;
/** Quiet hours around the clock's present moment, in UTC: from an hour before to an hour after. */
const quietAroundNow = () => {
  const hhmm = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs).toISOString().slice(11, 16);
  return { time_zone: 'UTC', quiet_hours: { start: hhmm(-HOUR), end: hhmm(HOUR) } };
};

describe('paging by the contact’s preferences', () => {
  it('sends a medium page by email and WhatsApp to someone who accepts email, and records the SMTP Message-ID', async () => {
    await setContact('T-PREF', 'U0MAIL', { phone: '+14155550121', email: 'jane@example.com', channels: ['whatsapp', 'email'] });
    const alert = await raise('T-PREF', 'U0MAIL', 'medium', 'replication lag on db-2');
    expect(alert.targets[0]).toMatchObject({ status: 'paging', channels: ['whatsapp', 'email'] });

    const mail = await smtp.waitForMail((m) => m.to.includes('jane@example.com'));
    await paging.twilio.waitForMessage((m) => m.form.To === 'whatsapp:+14155550121');
    expect(mail.subject).toBe(`[Klaxon #${alert.number} MEDIUM] replication lag on db-2`);
    expect(mail.text).toContain(`/alert ack ${alert.number}`);
    const deliveries = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.every((d) => d.status === 'sent'));
    expect(deliveries.find((d) => d.channel === 'email')).toMatchObject({ address: 'jane@example.com', providerMessageId: mail.messageId });
  });

  it('sends no email to someone who has an address but does not accept email', async () => {
    await setContact('T-PREF', 'U0NOMAIL', { phone: '+14155550122', email: 'sam@example.com', channels: ['whatsapp'] });
    const alert = await raise('T-PREF', 'U0NOMAIL', 'critical', 'checkout down');
    expect(alert.targets[0]).toMatchObject({ channels: ['whatsapp'] });
    const deliveries = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length > 0 && ds.every((d) => d.status === 'sent'));
    expect(deliveries.map((d) => d.channel)).toEqual(['whatsapp']);
    expect(smtp.mails.filter((m) => m.to.includes('sam@example.com'))).toHaveLength(0);
  });

  it('holds a medium page during quiet hours, shows it as held, and sends it once they end', async () => {
    await setContact('T-QUIET', 'U0SLEEPY', { phone: '+14155550123', channels: ['whatsapp'], ...quietAroundNow() });
    const alert = await raise('T-QUIET', 'U0SLEEPY', 'medium', 'disk 85%');

    const [held] = await paging.deliveries(alert.id);
    expect(held).toMatchObject({ channel: 'whatsapp', status: 'held', holdReason: 'quiet_hours' });
    const end = held!.heldUntil!;
    expect(end.getTime() - clock.now().getTime()).toBeGreaterThan(HOUR - 60_000);
    const heldEvent = (await events(alert.id)).find((e) => e.kind === 'notification.held');
    expect(heldEvent?.data).toMatchObject({ reason: 'quiet_hours', detail: `until ${end.toISOString().slice(11, 16)} UTC (quiet hours)` });
    // The raise's answer says so (the gateway tells the person who paged), and so does the alert read later.
    expect(alert.targets[0]!.held).toEqual({ until: end.toISOString(), time_zone: 'UTC' });
    expect((await request(paging.app).get(`/alerts/${alert.id}`).set('x-service-key', SERVICE_KEY).expect(200)).body.targets[0].held).toEqual(alert.targets[0]!.held);
    // Its time has not come: released now, nothing goes.
    expect(await paging.backend.holds.releaseDue()).toBe(0);
    expect(succeeded(paging.twilio.messages()).filter((m) => m.form.To === 'whatsapp:+14155550123')).toHaveLength(0);

    clock.set(end);
    expect(await paging.backend.holds.releaseDue()).toBe(1);
    await paging.twilio.waitForMessage((m) => m.form.To === 'whatsapp:+14155550123');
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds[0]?.status === 'sent');
    expect(succeeded(paging.twilio.messages()).filter((m) => m.form.To === 'whatsapp:+14155550123')).toHaveLength(1);
  });

  it('sends a critical page at once during quiet hours', async () => {
    await setContact('T-QUIET', 'U0AWAKE', { phone: '+14155550124', channels: ['whatsapp'], ...quietAroundNow() });
    const alert = await raise('T-QUIET', 'U0AWAKE', 'critical', 'site down');
    expect(alert.targets[0]!.held).toBeNull();
    await paging.twilio.waitForMessage((m) => m.form.To === 'whatsapp:+14155550124');
    expect((await paging.deliveries(alert.id)).map((d) => d.holdReason)).toEqual([null]);
  });

  it('cancels a held page when the alert is acknowledged before quiet hours end', async () => {
    await setContact('T-QUIET', 'U0NAP', { phone: '+14155550125', channels: ['whatsapp'], ...quietAroundNow() });
    const alert = await raise('T-QUIET', 'U0NAP', 'medium', 'queue slow');
    await request(paging.app).put(`/alerts/${alert.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0NAP' }).expect(200);

    expect(await paging.deliveries(alert.id)).toEqual([expect.objectContaining({ status: 'cancelled', heldUntil: null })]);
    expect((await events(alert.id)).map((e) => e.kind)).toEqual(['created', 'notification.held', 'acknowledged', 'notification.cancelled']);
    clock.advance(2 * HOUR);
    expect(await paging.backend.holds.releaseDue()).toBe(0);
  });
});
